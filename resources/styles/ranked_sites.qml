<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.16-Białowieża" styleCategories="Symbology|Labeling" labelsEnabled="1">
  <renderer-v2 type="categorizedSymbol" attr="status" symbollevels="0" enableorderby="0" forceraster="0">
    <categories>
      <category symbol="0" value="ranked" label="Ranked site" render="true"/>
      <category symbol="1" value="excluded" label="Excluded site" render="true"/>
      <category symbol="2" value="outside region" label="Outside the region" render="true"/>
      <category symbol="3" value="not scored" label="Not scored" render="true"/>
      <category symbol="4" value="footprint does not fit" label="Footprint does not fit" render="true"/>
    </categories>
    <symbols>
      <symbol type="marker" name="0" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="SimpleMarker" enabled="1" pass="0" locked="0"><Option type="Map"><Option type="QString" name="name" value="star"/><Option type="QString" name="color" value="26,152,80,255"/><Option type="QString" name="outline_color" value="0,60,30,255"/><Option type="QString" name="size" value="4.5"/></Option></layer></symbol>
      <symbol type="marker" name="1" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="SimpleMarker" enabled="1" pass="0" locked="0"><Option type="Map"><Option type="QString" name="name" value="cross2"/><Option type="QString" name="color" value="215,25,28,255"/><Option type="QString" name="outline_color" value="215,25,28,255"/><Option type="QString" name="outline_width" value="0.6"/><Option type="QString" name="size" value="4"/></Option></layer></symbol>
      <symbol type="marker" name="2" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="SimpleMarker" enabled="1" pass="0" locked="0"><Option type="Map"><Option type="QString" name="name" value="circle"/><Option type="QString" name="color" value="190,190,190,255"/><Option type="QString" name="outline_color" value="90,90,90,255"/><Option type="QString" name="size" value="3"/></Option></layer></symbol>
      <symbol type="marker" name="3" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="SimpleMarker" enabled="1" pass="0" locked="0"><Option type="Map"><Option type="QString" name="name" value="circle"/><Option type="QString" name="color" value="255,255,255,255"/><Option type="QString" name="outline_color" value="90,90,90,255"/><Option type="QString" name="size" value="3"/></Option></layer></symbol>
      <symbol type="marker" name="4" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="SimpleMarker" enabled="1" pass="0" locked="0"><Option type="Map"><Option type="QString" name="name" value="triangle"/><Option type="QString" name="color" value="253,174,97,255"/><Option type="QString" name="outline_color" value="120,60,0,255"/><Option type="QString" name="size" value="3.5"/></Option></layer></symbol>
    </symbols>
  </renderer-v2>
  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fieldName="if(&quot;rank&quot; > 0, concat('#', &quot;rank&quot;, ' ', format_number(&quot;score&quot;, 2)), &quot;status&quot;)" isExpression="1" fontSize="8" fontWeight="75" textColor="20,20,20,255" fontFamily="Sans Serif" namedStyle="Bold" textOpacity="1">
        <text-buffer bufferDraw="1" bufferSize="0.8" bufferColor="255,255,255,255" bufferOpacity="0.8" bufferSizeUnits="MM"/>
      </text-style>
      <placement placement="6" dist="1.5" priority="5"/>
      <rendering scaleVisibility="0" obstacle="1" displayAll="0" fontLimitPixelSize="0" limitNumLabels="0" maxNumLabels="2000"/>
    </settings>
  </labeling>
  <layerGeometryType>0</layerGeometryType>
</qgis>
