<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="nl">
  <context>
    <name>SmrSiting</name>
    <message>
      <location filename="smr_siting/plugin.py" line="39" />
      <source>&amp;SMR Siting</source>
      <translation>&amp;SMR-locaties</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="108" />
      <source>'Cell size [m]'</source>
      <translation>‘Celgrootte [m]’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="140" />
      <source>'Cell size [m]' {value:g}</source>
      <translation>‘Celgrootte [m]’ {value:g}</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="110" />
      <source>'Criteria profile'</source>
      <translation>‘Criteriaprofiel’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="126" />
      <source>'Exclusion polygons per rule'</source>
      <translation>‘Uitsluitingsvlakken per regel’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="112" />
      <source>'Footprint shape'</source>
      <translation>‘Vorm van de footprint’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="115" />
      <source>'Layers to fetch'</source>
      <translation>‘Op te halen lagen’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="117" />
      <source>'Margin around the region [km]'</source>
      <translation>‘Marge rond het gebied [km]’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="121" />
      <source>'Monte Carlo samples'</source>
      <translation>‘Aantal Monte Carlo-trekkingen’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="113" />
      <source>'Offline'</source>
      <translation>‘Offline’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="116" />
      <source>'Other service URLs'</source>
      <translation>‘Andere dienst-URL's’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="133" />
      <source>'Profiles (comma-separated)'</source>
      <translation>‘Profielen (gescheiden door komma's)’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="122" />
      <source>'Random seed'</source>
      <translation>‘Startwaarde toevalsgenerator (seed)’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="128" />
      <source>'Reactor design'</source>
      <translation>‘Reactorontwerp’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="132" />
      <source>'Regions (comma-separated, or 'all')'</source>
      <translation>‘Gebieden (gescheiden door komma's, of 'all')’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="107" />
      <source>'Replace output files that already exist'</source>
      <translation>‘Bestaande uitvoerbestanden vervangen’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="118" />
      <source>'Retries after a time-out or a server error'</source>
      <translation>‘Nieuwe pogingen na een time-out of een serverfout’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="111" />
      <source>'SMR footprint [ha]'</source>
      <translation>‘SMR-footprint [ha]’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="124" />
      <source>'Screening (its folder or manifest)'</source>
      <translation>‘Te hergebruiken screening’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="120" />
      <source>'Threshold sweep'</source>
      <translation>‘Drempelreeks’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="119" />
      <source>'Time-out per request [s]'</source>
      <translation>‘Time-out per verzoek [s]’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="123" />
      <source>'Your own sites'</source>
      <translation>‘Eigen locaties’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="508" />
      <source>&lt;h3&gt;Inputs&lt;/h3&gt; &lt;ul&gt; &lt;li&gt;&lt;b&gt;Region&lt;/b&gt;: a province or municipality by name or CBS code (Gelderland, PV25, GM0202), or a polygon layer (its selected features), or an extent (e.g. the map canvas's, in any CRS).&lt;/li&gt; &lt;li&gt;&lt;b&gt;Criteria profile&lt;/b&gt;: nl-default, nl-strict or nl-datacentre, or your own YAML file. Every distance and threshold in a profile cites its source or says it is an assumption and which range to try.&lt;/li&gt; &lt;li&gt;&lt;b&gt;Data folder&lt;/b&gt;: a folder with the layer catalogue's files (a cache fetched from PDOK, the demo pack, or your own). Left empty, the run reads the fetch cache and, for every layer it lacks, the national pack that comes with the plugin (the whole of the Netherlands); the outputs say which layers came from where. Any layer can be replaced by a loaded QGIS layer (advanced parameters).&lt;/li&gt; &lt;li&gt;&lt;b&gt;Cell size&lt;/b&gt; [m]: default from the profile (25 m). The grid is EPSG:28992 and grows beyond the region by the largest rule distance, so distances and contiguous areas are right at the border.&lt;/li&gt; &lt;li&gt;&lt;b&gt;Footprint&lt;/b&gt; [ha] and shape: the SMR site that must fit inside a candidate area.&lt;/li&gt; &lt;li&gt;&lt;b&gt;Replace output files&lt;/b&gt;: off by default; existing outputs are then refused, never half-overwritten.&lt;/li&gt; &lt;/ul&gt; </source>
      <translation>&lt;h3&gt;Invoer&lt;/h3&gt; &lt;ul&gt; &lt;li&gt;&lt;b&gt;Gebied&lt;/b&gt;: een provincie of gemeente op naam of CBS-code (Gelderland, PV25, GM0202), of een vlakkenlaag (de geselecteerde objecten), of een extent (bijv. dat van het kaartvenster, in elk CRS).&lt;/li&gt; &lt;li&gt;&lt;b&gt;Criteriaprofiel&lt;/b&gt;: nl-default, nl-strict of nl-datacentre, of een eigen YAML-bestand. Elke afstand en drempel in een profiel noemt haar bron, of zegt dat ze een aanname is en welk bereik het proberen waard is.&lt;/li&gt; &lt;li&gt;&lt;b&gt;Gegevensmap&lt;/b&gt;: een map met de bestanden uit de lagencatalogus (een cache die van PDOK is opgehaald, het demopakket of een eigen map). Leeg gelaten leest de run de ophaalcache en, voor elke laag die daar ontbreekt, het landelijke pakket dat met de plug-in meekomt (heel Nederland); de uitvoer zegt welke lagen waar vandaan kwamen. Elke laag kan worden vervangen door een geladen QGIS-laag (geavanceerde parameters).&lt;/li&gt; &lt;li&gt;&lt;b&gt;Celgrootte&lt;/b&gt; [m]: standaard die van het profiel (25 m). Het raster is EPSG:28992 en reikt voorbij het gebied tot de grootste afstand in de regels, zodat afstanden en aaneengesloten gebieden ook aan de grens kloppen.&lt;/li&gt; &lt;li&gt;&lt;b&gt;Footprint&lt;/b&gt; [ha] en vorm: het SMR-terrein dat helemaal binnen een kansrijk gebied moet passen.&lt;/li&gt; &lt;li&gt;&lt;b&gt;Bestaande uitvoerbestanden vervangen&lt;/b&gt;: standaard uit; bestaande uitvoer wordt dan geweigerd, nooit half overschreven.&lt;/li&gt; &lt;/ul&gt; </translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="89" />
      <source>A required Python package is missing ({error}). {help}</source>
      <translation>Een benodigd Python-pakket ontbreekt ({error}). {help}</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="299" />
      <source>A threshold sweep was given but no file for 'Threshold sweeps (CSV)'</source>
      <translation>Er is een drempelreeks opgegeven maar geen bestand voor ‘Drempelreeksen (CSV)’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="78" />
      <source>A threshold sweep was given but no file for 'Threshold sweeps (CSV)': choose one, or clear 'Threshold sweep'.</source>
      <translation>Er is een drempelreeks opgegeven maar geen bestand voor ‘Drempelreeksen (CSV)’: kies er een, of maak ‘Drempelreeks’ leeg.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/ahp_widget.py" line="115" />
      <source>AHP matrix parameter</source>
      <translation>AHP-matrixparameter</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="56" />
      <source>AHP pairwise comparison matrix (rows and columns in the order of the profile's scoring criteria; empty: the profile's weights)</source>
      <translation>AHP-matrix van paarsgewijze vergelijkingen (rijen en kolommen in de volgorde van de scorecriteria van het profiel; leeg: de gewichten uit het profiel)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="175" />
      <source>Also rank the candidate areas</source>
      <translation>Rangschik ook de kansrijke gebieden</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="107" />
      <source>Also rerun the screening to check the results (slower)</source>
      <translation>Herhaal ook de screening om de resultaten te controleren (trager)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="176" />
      <source>Also write each run's report</source>
      <translation>Schrijf ook het rapport van elke berekening</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="111" />
      <source>Also write the PDF (needs WeasyPrint; slower)</source>
      <translation>Ook de PDF schrijven (vraagt WeasyPrint; trager)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="539" />
      <source>Applies every exclusion rule of a criteria profile to a region and writes one raster in which each cell records &lt;b&gt;every&lt;/b&gt; rule that excludes it (one bit per rule; the legend is in the file's metadata, a .rules.json sidecar and the .qml style), plus a per-rule table: km² excluded by the rule, by the rule only, cumulative in profile order, and share of the region.</source>
      <translation>Past elke uitsluitingsregel van een criteriaprofiel toe op een gebied en schrijft één raster waarin elke cel &lt;b&gt;alle&lt;/b&gt; regels vastlegt die haar uitsluiten (één bit per regel; de legenda staat in de metadata van het bestand, in een .rules.json-bestand ernaast en in de .qml-stijl), plus een tabel per regel: km² uitgesloten door de regel, alleen door deze regel, cumulatief in de volgorde van het profiel, en het aandeel van het gebied.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="55" />
      <source>Area [km²]</source>
      <translation>Oppervlakte [km²]</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="55" />
      <source>Area in the region [ha]</source>
      <translation>Oppervlakte in het gebied [ha]</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="382" />
      <source>Area not excluded [km²]</source>
      <translation>Niet uitgesloten oppervlakte [km²]</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="157" />
      <source>Batch screening (regions × profiles)</source>
      <translation>Batchscreening (regio's × profielen)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="182" />
      <source>Batch summary (CSV)</source>
      <translation>Batchoverzicht (CSV)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="183" />
      <source>Batch summary (JSON)</source>
      <translation>Batchoverzicht (JSON)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="54" />
      <source>Bit</source>
      <translation>Bit</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="121" />
      <source>Cache folder (use it as the screening's data folder)</source>
      <translation>Cachemap (gebruik haar als gegevensmap van de screening)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="210" />
      <source>Cancelled.</source>
      <translation>Geannuleerd.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="192" />
      <source>Cancelled; no output was written.</source>
      <translation>Geannuleerd; er is geen uitvoer geschreven.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="174" />
      <source>Cancelled; the cache is as it was.</source>
      <translation>Geannuleerd; de cache is zoals hij was.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="58" />
      <source>Candidate area</source>
      <translation>Kansrijk gebied</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="359" />
      <source>Candidate areas</source>
      <translation>Kansrijke gebieden</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="62" />
      <source>Candidate areas (GeoPackage) of 'Screen a region' (empty: the folder's candidate_areas.gpkg)</source>
      <translation>Kansrijke gebieden (GeoPackage) van ‘Gebied screenen’ (leeg: candidate_areas.gpkg van de map)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="406" />
      <source>Candidate areas (where the footprint fits)</source>
      <translation>Kansrijke gebieden (waar de footprint past)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="560" />
      <source>Candidate areas where an SMR footprint fits</source>
      <translation>Kansrijke gebieden waar een SMR-footprint past</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="175" />
      <source>Cannot export layer {name}: {error}</source>
      <translation>Kan laag {name} niet exporteren: {error}</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/ahp_widget.py" line="51" />
      <source>Cell [row, column]: how much more the row's criterion matters than the column's (Saaty 1/9 .. 9; 1 = equally, 3 = moderately, 5 = strongly; write 1/3 for the inverse).</source>
      <translation>Cel [rij, kolom]: hoeveel zwaarder het criterium van de rij weegt dan dat van de kolom (Saaty 1/9 .. 9; 1 = even zwaar, 3 = iets zwaarder, 5 = veel zwaarder; schrijf 1/3 voor het omgekeerde).</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="135" />
      <source>Cell size [m] (empty: the profile's, 25 m)</source>
      <translation>Celgrootte [m] (leeg: die van het profiel, 25 m)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="99" />
      <source>Check the catalogue against the live services (download nothing)</source>
      <translation>De catalogus controleren tegen de live diensten (niets downloaden)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="306" />
      <source>Choose another file for 'Sensitivity per site', or tick 'Replace output files that already exist'</source>
      <translation>Kies een ander bestand voor 'Gevoeligheid per locatie', of vink 'Bestaande uitvoerbestanden vervangen' aan</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="300" />
      <source>Choose one, or clear 'Threshold sweep'</source>
      <translation>Kies er een, of maak ‘Drempelreeks’ leeg</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="56" />
      <source>Contiguous area, also across the border [ha]</source>
      <translation>Aaneengesloten oppervlakte, ook over de grens [ha]</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="117" />
      <source>Criteria profile</source>
      <translation>Criteriaprofiel</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="57" />
      <source>Data</source>
      <translation>Gegevens</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="174" />
      <source>Data folder</source>
      <translation>Gegevensmap</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="131" />
      <source>Data folder with the catalogue's layers (empty: the fetch cache, else the embedded national pack; see Processing › Options › Providers)</source>
      <translation>Gegevensmap met de lagen van de catalogus (leeg: de ophaalcache, anders het ingebouwde landelijke pakket; zie Processing › Opties › Providers)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/settings.py" line="78" />
      <source>Data: the default data folder of the settings, {folder}, with the embedded national pack for the layers it lacks.</source>
      <translation>Gegevens: de standaard-gegevensmap uit de instellingen, {folder}, met het ingebouwde landelijke pakket voor de lagen die daar ontbreken.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/settings.py" line="84" />
      <source>Data: the embedded national pack ({folder}).</source>
      <translation>Gegevens: het ingebouwde landelijke pakket ({folder}).</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/settings.py" line="82" />
      <source>Data: the fetch cache {folder}, with the embedded national pack for the layers it lacks.</source>
      <translation>Gegevens: de ophaalcache {folder}, met het ingebouwde landelijke pakket voor de lagen die daar ontbreken.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/settings.py" line="95" />
      <source>Default data folder (empty: the fetch cache if it holds layers, else the embedded national pack)</source>
      <translation>Standaard-gegevensmap (leeg: de ophaalcache als die lagen bevat, anders het ingebouwde landelijke pakket)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="101" />
      <source>Download again even where the cache already holds a layer for this region</source>
      <translation>Opnieuw downloaden, ook waar de cache een laag voor dit gebied al heeft</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="63" />
      <source>Downloads the layers a region needs from their official services (PDOK OGC API Features, WFS 2.0, CBS, RVO, Rijkswaterstaat; see layers/catalogue.yaml) into a cache folder: one GeoPackage per layer, in EPSG:28992, cut to the region's bounds grown by a margin, each with a provenance table (URL, query, time, feature count, sha256, licence, vintage). Use the cache folder as the data folder of the screening algorithms; their manifest then lists these provenance rows. &lt;h3&gt;Inputs&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Region&lt;/b&gt;: a province or municipality name or CBS code (Gelderland, PV25, GM0228). The province and municipality boundaries are fetched first when the cache lacks them.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Layers&lt;/b&gt;: which catalogue layers to fetch.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Offline&lt;/b&gt;: contact no service; check that the cache holds the layers and report how old they are.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Check the catalogue&lt;/b&gt;: download nothing; probe each selected layer's service (landing page, GetCapabilities, collections) and report whether it is reachable, whether its typeName or collection and the attributes the catalogue uses are there, and its page cap. Fails with one line per mismatch.&lt;/li&gt;&lt;/ul&gt;Failed requests are retried with increasing waits; a failed or cancelled download never damages a layer fetched earlier, and a failed one resumes where it stopped on the next run.</source>
      <translation>Downloadt de lagen die een gebied nodig heeft van hun officiële diensten (PDOK OGC API Features, WFS 2.0, CBS, RVO, Rijkswaterstaat; zie layers/catalogue.yaml) naar een cachemap: één GeoPackage per laag, in EPSG:28992, beperkt tot het omsluitende kader van het gebied plus een marge, elk met een herkomsttabel (URL, verzoek, tijd, aantal objecten, sha256, licentie, peildatum). Gebruik de cachemap als gegevensmap van de screeningsalgoritmen; hun manifest noemt dan deze herkomstregels. &lt;h3&gt;Invoer&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Gebied&lt;/b&gt;: naam of CBS-code van een provincie of gemeente (Gelderland, PV25, GM0228). De provincie- en gemeentegrenzen worden eerst opgehaald als de cache ze niet heeft.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Lagen&lt;/b&gt;: welke lagen uit de catalogus op te halen.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Offline&lt;/b&gt;: geen dienst benaderen; controleer of de cache de lagen heeft en meld hoe oud ze zijn.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Catalogus controleren&lt;/b&gt;: niets downloaden; bevraag de dienst van elke gekozen laag (landingspagina, GetCapabilities, collections) en meld of hij bereikbaar is, of zijn typeName of collectie en de attributen die de catalogus gebruikt er zijn, en zijn paginagrens. Mislukt met één regel per afwijking.&lt;/li&gt;&lt;/ul&gt;Mislukte verzoeken worden herhaald met steeds langere wachttijden; een mislukte of geannuleerde download beschadigt nooit een eerder opgehaalde laag, en een mislukte gaat bij de volgende keer verder waar hij stopte.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="45" />
      <source>Dutch</source>
      <translation>Nederlands</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="45" />
      <source>English</source>
      <translation>Engels</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="219" />
      <source>Every run failed; the reasons are in {path}</source>
      <translation>Elke berekening is mislukt; de redenen staan in {path}</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="381" />
      <source>Excluded area [km²]</source>
      <translation>Uitgesloten oppervlakte [km²]</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="59" />
      <source>Excluded by</source>
      <translation>Uitgesloten door</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="536" />
      <source>Exclusion map with reasons</source>
      <translation>Uitsluitingskaart met redenen</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="360" />
      <source>Exclusion polygons per rule</source>
      <translation>Uitsluitingsvlakken per regel</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="396" />
      <source>Exclusion polygons per rule (dissolved; Identify on them lists a place's rules)</source>
      <translation>Uitsluitingsvlakken per regel (samengevoegd; Identificeren erop toont de regels van een plek)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="359" />
      <source>Exclusion reasons</source>
      <translation>Redenen van uitsluiting</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="61" />
      <source>Exclusion reasons (GeoTIFF) of 'Screen a region' (empty: the folder's exclusion.tif)</source>
      <translation>Redenen van uitsluiting (GeoTIFF) van ‘Gebied screenen’ (leeg: exclusion.tif van de map)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="389" />
      <source>Exclusion reasons (GeoTIFF: one bit per rule)</source>
      <translation>Redenen van uitsluiting (GeoTIFF: één bit per regel)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="104" />
      <source>Fact sheets for this many of the best sites</source>
      <translation>Factsheets voor zoveel van de beste locaties</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/settings.py" line="98" />
      <source>Fetch cache folder (empty: smr_siting/cache in the QGIS profile)</source>
      <translation>Map van de ophaalcache (leeg: smr_siting/cache in het QGIS-profiel)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="103" />
      <source>Fetch layers</source>
      <translation>Lagen ophalen</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="54" />
      <source>Fetch layers from PDOK / CBS into a cache folder</source>
      <translation>Lagen van PDOK / CBS ophalen naar een cachemap</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="563" />
      <source>Finds contiguous land that no rule excludes and in which the SMR footprint (area and shape) fits wholly — not just the area total. Each area gets its area inside the region, the whole contiguous area (also beyond the border), the usable area (land some fitting footprint covers), its centroid and the municipality and province it lies in.</source>
      <translation>Zoekt aaneengesloten land dat door geen enkele regel wordt uitgesloten en waarin de SMR-footprint (oppervlakte en vorm) helemaal past — niet alleen qua totale oppervlakte. Elk gebied krijgt zijn oppervlakte binnen het gebied, de hele aaneengesloten oppervlakte (ook over de grens), de bruikbare oppervlakte (land dat een passende footprint bedekt), zijn zwaartepunt en de gemeente en provincie waarin het ligt.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="153" />
      <source>Footprint shape (empty: the profile's)</source>
      <translation>Vorm van de footprint (leeg: die van het profiel)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="55" />
      <source>Group</source>
      <translation>Groep</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="261" />
      <source>How stable is the ranking? Monte Carlo on the weights (Dirichlet around the chosen weights, seeded: the same seed gives the same numbers): per site the share of runs at rank 1, in the top 3 and top 5, and a rank interval; each site's rank with each criterion left out; and, optionally, threshold sweeps (e.g. cooling_water=1km,2km,5km,10km: km² left and candidate areas per value).</source>
      <translation>Hoe stabiel is de rangschikking? Monte Carlo op de gewichten (Dirichlet rond de gekozen gewichten, met vaste seed: dezelfde seed geeft dezelfde getallen): per locatie het aandeel van de trekkingen op plaats 1, in de top 3 en de top 5, en een bandbreedte van de rang; de rang van elke locatie als elk criterium wordt weggelaten; en, desgewenst, drempelreeksen (bijv. cooling_water=1km,2km,5km,10km: overgebleven km² en kansrijke gebieden per waarde).</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="45" />
      <source>Language of the report</source>
      <translation>Taal van het rapport</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="141" />
      <source>Layer for '{id}' ({title}) instead of the data folder's</source>
      <translation>Laag voor '{id}' ({title}) in plaats van die uit de gegevensmap</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="122" />
      <source>Layers fetched or already up to date</source>
      <translation>Opgehaalde of al actuele lagen</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="94" />
      <source>Layers to fetch</source>
      <translation>Op te halen lagen</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="82" />
      <source>Makes the report a province can publish from a screening folder (the output folder of 'Screen a region', optionally ranked and with sensitivity): report.html (one self-contained file, maps embedded) and report.pdf. Title page with the verdict and the caveat, the exclusion map by first reason, candidate areas and ranked sites, suitability, the per-rule table and chart, ranked sites with fact sheets, sensitivity, the method with every number's source, the data sources and the hashes and versions to reproduce the run. Chapters whose step did not run say so. The title page says whether the inputs changed since the run.&lt;h3&gt;Inputs&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Screening folder&lt;/b&gt;: a folder with summary.json, manifest.json and exclusion.tif (or one of its files, e.g. its manifest.json).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Report file&lt;/b&gt;: empty: FOLDER/report.html and FOLDER/report.pdf.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Files of the steps&lt;/b&gt; (advanced; what a model passes on): the summary, exclusion raster, candidate areas, ranked sites, ranking description, suitability, sensitivity and sweeps of the steps before, each from wherever that step wrote it; each stands for the screening folder's own file. The screening folder may then be the screening's manifest (JSON) alone.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Also write the PDF&lt;/b&gt;: needs WeasyPrint; where it is missing, only the HTML is written.&lt;/li&gt;&lt;/ul&gt;</source>
      <translation>Maakt het rapport dat een provincie kan publiceren uit een screeningsmap (de uitvoermap van 'Een gebied screenen', eventueel gerangschikt en met gevoeligheid): report.html (één zelfstandig bestand, kaarten ingebed) en report.pdf. Titelpagina met de uitkomst en de kanttekening, de uitsluitingskaart naar eerste reden, kansrijke gebieden en gerangschikte locaties, geschiktheid, de tabel en grafiek per regel, gerangschikte locaties met factsheets, gevoeligheid, de methode met de herkomst van elk getal, de gegevensbronnen en de hashes en versies om de berekening te herhalen. Hoofdstukken waarvan de stap niet liep, melden dat. De titelpagina zegt of de invoer sinds de berekening veranderde.&lt;h3&gt;Invoer&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Screeningsmap&lt;/b&gt;: een map met summary.json, manifest.json en exclusion.tif (of een van haar bestanden, bijvoorbeeld haar manifest.json).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Rapportbestand&lt;/b&gt;: leeg: MAP/report.html en MAP/report.pdf.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Bestanden van de stappen&lt;/b&gt; (geavanceerd; wat een model doorgeeft): de samenvatting, het uitsluitingsraster, de kansrijke gebieden, de gerangschikte locaties, de beschrijving van de rangschikking, de geschiktheid, de gevoeligheid en de drempelreeksen van de stappen ervoor, elk van waar die stap het schreef; elk staat voor het eigen bestand van de screeningsmap. De screeningsmap mag dan alleen het manifest (JSON) van de screening zijn.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Ook de PDF schrijven&lt;/b&gt;: vraagt WeasyPrint; waar dat ontbreekt, wordt alleen de HTML geschreven.&lt;/li&gt;&lt;/ul&gt;</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="401" />
      <source>Manifest: inputs with sha256, profile, versions (JSON)</source>
      <translation>Manifest: invoer met sha256, profiel, versies (JSON)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="104" />
      <source>Margin around the region [km]</source>
      <translation>Marge rond het gebied [km]</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="116" />
      <source>Mirror of the services: ask URL/HOST/PATH instead of https://HOST/PATH</source>
      <translation>Spiegel van de diensten: vraag URL/HOST/PAD in plaats van https://HOST/PAD</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="270" />
      <source>Monte Carlo samples</source>
      <translation>Aantal Monte Carlo-trekkingen</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="57" />
      <source>Municipality</source>
      <translation>Gemeente</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="59" />
      <source>Name</source>
      <translation>Naam</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="143" />
      <source>No cache folder given.</source>
      <translation>Geen cachemap opgegeven.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="206" />
      <source>No region given: type a province or municipality name (e.g. Gelderland) or choose a region polygon layer.</source>
      <translation>Geen gebied opgegeven: typ de naam van een provincie of gemeente (bijv. Gelderland) of kies een vlakkenlaag met het gebied.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="138" />
      <source>No region given: type a province or municipality name (e.g. Gelderland), or tick Offline to check the cache.</source>
      <translation>Geen gebied opgegeven: typ de naam van een provincie of gemeente (bijv. Gelderland), of vink Offline aan om de cache te controleren.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="130" />
      <source>No screening folder given.</source>
      <translation>Geen screeningsmap opgegeven.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="212" />
      <source>No service of the catalogue can be reached (no network?); nothing was checked.</source>
      <translation>Geen enkele dienst van de catalogus is bereikbaar (geen netwerk?); er is niets gecontroleerd.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="384" />
      <source>Number of candidate areas</source>
      <translation>Aantal kansrijke gebieden</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="97" />
      <source>Offline: only check the cache and report how old its layers are</source>
      <translation>Offline: alleen de cache controleren en melden hoe oud de lagen zijn</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="60" />
      <source>Origin</source>
      <translation>Herkomst</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="113" />
      <source>Other service URLs, e.g. a mirror: ID=URL, separated by ';' (ID=wfs:URL uses the layer's WFS)</source>
      <translation>Andere dienst-URL's, bijv. een spiegel: ID=URL, gescheiden door ';' (ID=wfs:URL gebruikt de WFS van de laag)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="149" />
      <source>Other service URLs: write {item!r} as ID=URL</source>
      <translation>Andere dienst-URL's: schrijf {item!r} als ID=URL</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="194" />
      <source>Out of memory. Use a larger cell size or a smaller region.</source>
      <translation>Onvoldoende geheugen. Gebruik een grotere celgrootte of een kleiner gebied.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="181" />
      <source>Output folder</source>
      <translation>Uitvoermap</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="297" />
      <source>Output {name} must be a file (GeoTIFF, GeoPackage, CSV or JSON), not {path}</source>
      <translation>Uitvoer {name} moet een bestand zijn (GeoTIFF, GeoPackage, CSV of JSON), niet {path}</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="362" />
      <source>Per-rule table</source>
      <translation>Tabel per regel</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="391" />
      <source>Per-rule table (CSV)</source>
      <translation>Tabel per regel (CSV)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="172" />
      <source>Profiles (comma-separated)</source>
      <translation>Profielen (gescheiden door komma's)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="57" />
      <source>Province</source>
      <translation>Provincie</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="164" />
      <source>QGIS layer {layer!r} has no coordinate reference system. Assign one (Layer Properties › Source) and run again.</source>
      <translation>QGIS-laag {layer!r} heeft geen coördinatenreferentiesysteem. Ken er een toe (Laageigenschappen › Bron) en probeer het opnieuw.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="273" />
      <source>Random seed</source>
      <translation>Startwaarde toevalsgenerator (seed)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="58" />
      <source>Rank</source>
      <translation>Rang</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="102" />
      <source>Rank candidate sites</source>
      <translation>Kansrijke locaties rangschikken</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="185" />
      <source>Rank candidate sites (with explanations)</source>
      <translation>Kandidaatlocaties rangschikken (met toelichting)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="361" />
      <source>Ranked sites</source>
      <translation>Gerangschikte locaties</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="198" />
      <source>Ranked sites (CSV)</source>
      <translation>Gerangschikte locaties (CSV)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="66" />
      <source>Ranked sites (CSV) of 'Rank candidate sites' (empty: the folder's ranked_sites.csv)</source>
      <translation>Gerangschikte locaties (CSV) van ‘Kandidaatlocaties rangschikken’ (leeg: ranked_sites.csv van de map)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="64" />
      <source>Ranked sites (GeoPackage) of 'Rank candidate sites' (empty: the folder's ranked_sites.gpkg)</source>
      <translation>Gerangschikte locaties (GeoPackage) van ‘Kandidaatlocaties rangschikken’ (leeg: ranked_sites.gpkg van de map)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="67" />
      <source>Ranking description (JSON) of 'Rank candidate sites' (empty: the folder's ranking.json)</source>
      <translation>Beschrijving van de rangschikking (JSON) van ‘Kandidaatlocaties rangschikken’ (leeg: ranking.json van de map)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="203" />
      <source>Ranking description (JSON: criteria, weights, standardisations; the report reads it)</source>
      <translation>Beschrijving van de rangschikking (JSON: criteria, gewichten, standaardisaties; het rapport leest haar)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="188" />
      <source>Ranks your sites, or the best place in each candidate area, by the profile's scoring (WLC score or TOPSIS closeness). Per site: rank, score, each criterion's raw value in words (e.g. '2.3 km to Waal'), its standardised score and weighted contribution, every exclusion rule it breaks, and its municipality and province.</source>
      <translation>Rangschikt uw locaties, of de beste plek in elk kansrijk gebied, volgens de scoring van het profiel (WLC-score of TOPSIS-nabijheid). Per locatie: rang, score, de ruwe waarde van elk criterium in woorden (bijv. '2.3 km to Waal'), de gestandaardiseerde score en de gewogen bijdrage, elke uitsluitingsregel die de locatie schendt, en de gemeente en provincie.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="127" />
      <source>Reactor design (empty: the profile's default, if any): sets the footprint, emergency zones and cooling</source>
      <translation>Reactorontwerp (leeg: de standaard van het profiel, als die er is): bepaalt ruimtebeslag, noodzones en koeling</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/runs.py" line="76" />
      <source>Rebuilding the screening {path} from its manifest (its inputs are unchanged).</source>
      <translation>De screening {path} wordt opnieuw opgebouwd uit haar manifest (de invoer is ongewijzigd).</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="380" />
      <source>Region area [km²] (cells)</source>
      <translation>Oppervlakte van het gebied [km²] (cellen)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="103" />
      <source>Region: province or municipality name or CBS code (e.g. Gelderland, PV25, GM0202)</source>
      <translation>Gebied: naam of CBS-code van een provincie of gemeente (bijv. Gelderland, PV25, GM0202)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="91" />
      <source>Region: province or municipality name or CBS code (e.g. Gelderland, PV25, GM0228)</source>
      <translation>Gebied: naam of CBS-code van een provincie of gemeente (bijv. Gelderland, PV25, GM0228)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="170" />
      <source>Regions (comma-separated, or 'all')</source>
      <translation>Regio's (gescheiden door komma's, of 'all')</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="109" />
      <source>Replace a report that exists</source>
      <translation>Een bestaand rapport vervangen</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="158" />
      <source>Replace output files that already exist</source>
      <translation>Bestaande uitvoerbestanden vervangen</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="180" />
      <source>Replace outputs that exist</source>
      <translation>Bestaande uitvoer vervangen</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="120" />
      <source>Report (HTML)</source>
      <translation>Rapport (HTML)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="121" />
      <source>Report (PDF)</source>
      <translation>Rapport (PDF)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="118" />
      <source>Report (PDF; the HTML is written beside it)</source>
      <translation>Rapport (PDF; de HTML komt ernaast)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="79" />
      <source>Report of a screening (HTML and PDF)</source>
      <translation>Rapport van een screening (HTML en PDF)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="35" />
      <source>Reports and batches</source>
      <translation>Rapporten en batches</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/ahp_widget.py" line="56" />
      <source>Reset to the profile's weights</source>
      <translation>Terug naar de gewichten van het profiel</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="110" />
      <source>Retries after a time-out or a server error</source>
      <translation>Nieuwe pogingen na een time-out of een serverfout</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/runs.py" line="64" />
      <source>Reusing the exclusion of the screening {path} (not computed again).</source>
      <translation>De uitsluiting van de screening {path} wordt hergebruikt (niet opnieuw berekend).</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="54" />
      <source>Rule</source>
      <translation>Regel</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="54" />
      <source>Rule (Dutch)</source>
      <translation>Regel (Nederlands)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="54" />
      <source>Rule id</source>
      <translation>Regel-id</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="185" />
      <source>Runs that failed</source>
      <translation>Mislukte berekeningen</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="184" />
      <source>Runs that succeeded</source>
      <translation>Gelukte berekeningen</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="150" />
      <source>SMR footprint [ha] (empty: the profile's, 10 ha in nl-default)</source>
      <translation>SMR-footprint [ha] (leeg: die van het profiel, 10 ha in nl-default)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/provider.py" line="17" />
      <source>SMR siting</source>
      <translation>SMR-locaties</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/provider.py" line="20" />
      <source>SMR siting: screening for Small Modular Reactor sites</source>
      <translation>SMR-locaties: screening op plekken voor kleine modulaire reactoren</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="48" />
      <source>SMR — {region} — {profile} — {when}</source>
      <translation>SMR — {region} — {profile} — {when}</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="58" />
      <source>Score (WLC, 0..1)</source>
      <translation>Score (WLC, 0..1)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="153" />
      <source>Scores the land that no rule excludes, 0..1: each scoring criterion of the profile is measured (e.g. metres to a substation), standardised (linear, sigmoid, bands or categories, as the profile cites) and combined with the profile's weights (direct or AHP; WLC or OWA). Excluded cells and land outside the region get no value.</source>
      <translation>Geeft het land dat door geen regel wordt uitgesloten een score van 0..1: elk scorecriterium van het profiel wordt gemeten (bijv. meters tot een station), gestandaardiseerd (lineair, sigmoïde, klassen of categorieën, zoals het profiel onderbouwt) en gecombineerd met de gewichten uit het profiel (direct of AHP; WLC of OWA). Uitgesloten cellen en land buiten het gebied krijgen geen waarde.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="40" />
      <source>Scoring and ranking</source>
      <translation>Scoren en rangschikken</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="586" />
      <source>Screen a region (exclusion map and candidate areas)</source>
      <translation>Gebied screenen (uitsluitingskaart en kansrijke gebieden)</translation>
    </message>
    <message>
      <location filename="smr_siting/plugin.py" line="37" />
      <source>Screen a region for SMR sites…</source>
      <translation>Gebied screenen op SMR-locaties…</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="91" />
      <source>Screening</source>
      <translation>Screening</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="101" />
      <source>Screening folder</source>
      <translation>Screeningsmap</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="47" />
      <source>Screening to reuse: its manifest (JSON) or output folder (empty: screen here with the region, profile and data below)</source>
      <translation>Te hergebruiken screening: haar manifest (JSON) of uitvoermap (leeg: hier screenen met het gebied, profiel en de gegevens hieronder)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/runs.py" line="35" />
      <source>Screening {path}: no manifest found. Choose the manifest (JSON) a screening wrote, or the folder that holds its manifest.json.</source>
      <translation>Screening {path}: geen manifest gevonden. Kies het manifest (JSON) dat een screening schreef, of de map met haar manifest.json.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="160" />
      <source>Screens every region with every profile, one after another: one screening folder per pair (OUT/&lt;region&gt;_&lt;profile&gt;) and batch_summary.csv / .json with km² left, share, candidate areas, the largest area, the best site and its score, or the reason a run failed. A failed run does not stop the others; the algorithm fails only when every run failed.&lt;h3&gt;Inputs&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Regions&lt;/b&gt;: province or municipality names or codes separated by commas, or 'all' (every province of the data folder).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Profiles&lt;/b&gt;: built-in names or .yaml files separated by commas.&lt;/li&gt;&lt;/ul&gt;</source>
      <translation>Screent elke regio met elk profiel, na elkaar: één screeningsmap per paar (OUT/&lt;regio&gt;_&lt;profiel&gt;) en batch_summary.csv / .json met de overgebleven km², het aandeel, de kansrijke gebieden, het grootste gebied, de beste locatie en haar score, of de reden waarom een berekening mislukte. Een mislukte berekening houdt de andere niet tegen; het algoritme mislukt alleen als elke berekening mislukte.&lt;h3&gt;Invoer&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Regio's&lt;/b&gt;: namen of codes van provincies of gemeenten, gescheiden door komma's, of 'all' (elke provincie in de gegevensmap).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Profielen&lt;/b&gt;: ingebouwde namen of .yaml-bestanden, gescheiden door komma's.&lt;/li&gt;&lt;/ul&gt;</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="258" />
      <source>Sensitivity of the ranking</source>
      <translation>Gevoeligheid van de rangschikking</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="362" />
      <source>Sensitivity per site</source>
      <translation>Gevoeligheid per locatie</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="278" />
      <source>Sensitivity per site (CSV)</source>
      <translation>Gevoeligheid per locatie (CSV)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="70" />
      <source>Sensitivity per site (CSV) of 'Sensitivity of the ranking' (empty: the folder's sensitivity.csv)</source>
      <translation>Gevoeligheid per locatie (CSV) van ‘Gevoeligheid van de rangschikking’ (leeg: sensitivity.csv van de map)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="57" />
      <source>Site</source>
      <translation>Locatie</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="58" />
      <source>Status</source>
      <translation>Status</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="360" />
      <source>Suitability</source>
      <translation>Geschiktheid</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="160" />
      <source>Suitability (0..1)</source>
      <translation>Geschiktheid (0..1)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="68" />
      <source>Suitability (GeoTIFF) of 'Rank candidate sites' (empty: the folder's suitability.tif)</source>
      <translation>Geschiktheid (GeoTIFF) van ‘Kandidaatlocaties rangschikken’ (leeg: suitability.tif van de map)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="150" />
      <source>Suitability surface</source>
      <translation>Geschiktheidskaart</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="394" />
      <source>Summary (JSON)</source>
      <translation>Samenvatting (JSON)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="60" />
      <source>Summary (JSON) of 'Screen a region' (empty: the folder's summary.json)</source>
      <translation>Samenvatting (JSON) van ‘Gebied screenen’ (leeg: summary.json van de map)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="59" />
      <source>TOPSIS closeness (0..1)</source>
      <translation>TOPSIS-nabijheid (0..1)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="266" />
      <source>The region extent ({extent} in EPSG:28992) lies outside the Netherlands. Choose an extent over a Dutch province or municipality, or a region by name.</source>
      <translation>Het regio-extent ({extent} in EPSG:28992) ligt buiten Nederland. Kies een extent over een Nederlandse provincie of gemeente, of een regio bij naam.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="261" />
      <source>The region extent is empty. Draw an extent on the map or take the map canvas's extent for '…or an extent', or clear it and choose a region by name.</source>
      <translation>Het regio-extent is leeg. Teken een extent op de kaart of neem het extent van het kaartvenster voor ‘…of een extent’, of maak het leeg en kies een regio bij naam.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="589" />
      <source>The whole screening in one step: the exclusion map with reasons, the per-rule table and the candidate areas where the SMR footprint fits, with a manifest of every input (sha256), the profile and the software versions.</source>
      <translation>De hele screening in één stap: de uitsluitingskaart met redenen, de tabel per regel en de kansrijke gebieden waar de SMR-footprint past, met een manifest van alle invoer (sha256), het profiel en de softwareversies.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/ahp_widget.py" line="109" />
      <source>This profile has no scoring section.</source>
      <translation>Dit profiel heeft geen scoringsdeel.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="275" />
      <source>Threshold sweep: RULE=D1,D2,… (e.g. cooling_water=1km,2km,5km,10km; several separated by ';')</source>
      <translation>Drempelreeks: REGEL=A1,A2,… (bijv. cooling_water=1km,2km,5km,10km; meerdere gescheiden door ';')</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="362" />
      <source>Threshold sweeps</source>
      <translation>Drempelreeksen</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="280" />
      <source>Threshold sweeps (CSV)</source>
      <translation>Drempelreeksen (CSV)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="72" />
      <source>Threshold sweeps (CSV) of 'Sensitivity of the ranking' (empty: the folder's sweeps.csv)</source>
      <translation>Drempelreeksen (CSV) van ‘Gevoeligheid van de rangschikking’ (leeg: sweeps.csv van de map)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="107" />
      <source>Time-out per request [s]</source>
      <translation>Time-out per verzoek [s]</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="56" />
      <source>Usable area [ha]</source>
      <translation>Bruikbare oppervlakte [ha]</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="139" />
      <source>WeasyPrint is not installed, so only the HTML report is written (Debian/Ubuntu: sudo apt install weasyprint; elsewhere: pip install weasyprint).</source>
      <translation>WeasyPrint is niet geïnstalleerd, dus alleen het HTML-rapport wordt geschreven (Debian/Ubuntu: sudo apt install weasyprint; elders: pip install weasyprint).</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="102" />
      <source>Weights from the AHP matrix: {weights} (CR {cr:.3f})</source>
      <translation>Gewichten uit de AHP-matrix: {weights} (CR {cr:.3f})</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/ahp_widget.py" line="119" />
      <source>Weights: {weights} (CR {cr:.3f})</source>
      <translation>Gewichten: {weights} (CR {cr:.3f})</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="53" />
      <source>Your own sites (points or parcels, any CRS; empty: the best place per candidate area)</source>
      <translation>Eigen locaties (punten of percelen, elk CRS; leeg: de beste plek per kansrijk gebied)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="212" />
      <source>[{done}/{total}] {region} × {profile} failed: {reason}</source>
      <translation>[{done}/{total}] {region} × {profile} mislukt: {reason}</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/report_algorithms.py" line="207" />
      <source>[{done}/{total}] {region} × {profile}: {left} km² left, {areas} candidate area(s)</source>
      <translation>[{done}/{total}] {region} × {profile}: {left} km² over, {areas} kansrijk(e) gebied(en)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="104" />
      <source>a 'Layer for …' field (advanced parameters)</source>
      <translation>een veld ‘Laag voor …’ (geavanceerde parameters)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="99" />
      <source>a screening that writes its manifest (Screen a region)</source>
      <translation>een screening die haar manifest schrijft (Een gebied screenen)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="154" />
      <source>circle</source>
      <translation>cirkel</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="66" />
      <source>excluded</source>
      <translation>uitgesloten</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="67" />
      <source>footprint does not fit</source>
      <translation>voetafdruk past niet</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="67" />
      <source>not scored</source>
      <translation>niet gescoord</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/scoring_algorithms.py" line="305" />
      <source>output already exists: {name}</source>
      <translation>uitvoer bestaat al: {name}</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="66" />
      <source>outside region</source>
      <translation>buiten het gebied</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="154" />
      <source>profile's shape</source>
      <translation>vorm uit het profiel</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="66" />
      <source>ranked</source>
      <translation>gerangschikt</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="154" />
      <source>rectangle</source>
      <translation>rechthoek</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="154" />
      <source>square</source>
      <translation>vierkant</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="114" />
      <source>the 'Cache folder' field</source>
      <translation>het veld ‘Cachemap’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="97" />
      <source>the 'Data folder' field</source>
      <translation>het veld ‘Gegevensmap’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="127" />
      <source>the 'Reactor design' list</source>
      <translation>de lijst ‘Reactorontwerp’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="109" />
      <source>the 'Region' field</source>
      <translation>het veld ‘Gebied’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="134" />
      <source>the '{option}' setting</source>
      <translation>de instelling ‘{option}’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="138" />
      <source>the advanced field 'Layer for {slot}'</source>
      <translation>het geavanceerde veld ‘Laag voor {slot}’</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="131" />
      <source>the downloader's page limit</source>
      <translation>de paginagrens van de downloader</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="125" />
      <source>the output fields</source>
      <translation>de uitvoervelden</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="100" />
      <source>the profile file of that name</source>
      <translation>het profielbestand met die naam</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="129" />
      <source>the profile's scoring.sensitivity.concentration</source>
      <translation>scoring.sensitivity.concentration in het profiel</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="130" />
      <source>the profile's scoring.sensitivity.weight_spread</source>
      <translation>scoring.sensitivity.weight_spread in het profiel</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="101" />
      <source>the screening (Screen a region)</source>
      <translation>de screening (Een gebied screenen)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/common.py" line="139" />
      <source>tick 'Replace output files that already exist'</source>
      <translation>vink ‘Bestaande uitvoerbestanden vervangen’ aan</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="60" />
      <source>x [m, EPSG:28992]</source>
      <translation>x [m, EPSG:28992]</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/layers.py" line="60" />
      <source>y [m, EPSG:28992]</source>
      <translation>y [m, EPSG:28992]</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="189" />
      <source>{count} layer(s) could not be fetched: {layers}. The cache keeps whatever was complete before.</source>
      <translation>{count} laag/lagen konden niet worden opgehaald: {layers}. De cache houdt wat eerder compleet was.</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="221" />
      <source>{count} mismatch(es) between the catalogue and the services: {layers}</source>
      <translation>{count} afwijking(en) tussen de catalogus en de diensten: {layers}</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="216" />
      <source>{layer}: ok (reachable; page cap: {cap})</source>
      <translation>{layer}: in orde (bereikbaar; paginagrens: {cap})</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="182" />
      <source>{layer}: the service has NO features in the region's box; stored as an empty layer. Check it (a wrong collection, filter or CRS gives this too).</source>
      <translation>{layer}: de dienst heeft GEEN objecten in het kader van de regio; opgeslagen als lege laag. Controleer het (een verkeerde collectie, filter of CRS geeft dit ook).</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="219" />
      <source>{layer}: {mismatch}</source>
      <translation>{layer}: {mismatch}</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/fetch_algorithm.py" line="185" />
      <source>{layer}: {status}, {count} features, fetched {when} ({age})</source>
      <translation>{layer}: {status}, {count} objecten, opgehaald {when} ({age})</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="122" />
      <source>…or a profile file (YAML; overrides the list above)</source>
      <translation>…of een profielbestand (YAML; gaat voor de lijst hierboven)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="110" />
      <source>…or a region polygon layer (its selected features, or all of them together; overrides the name)</source>
      <translation>…of een polygonenlaag als gebied (de geselecteerde objecten, of alle samen; gaat voor de naam)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="114" />
      <source>…or an extent, e.g. the map canvas's (any CRS; overrides the name and the list)</source>
      <translation>…of een extent, bijv. dat van het kaartvenster (elk CRS; gaat voor de naam en de lijst)</translation>
    </message>
    <message>
      <location filename="smr_siting/processing/algorithms.py" line="107" />
      <source>…or choose it: the 12 provinces, then the municipalities (with their CBS code)</source>
      <translation>…of kies het: de 12 provincies, daarna de gemeenten (met hun CBS-code)</translation>
    </message>
  </context>
</TS>
