<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.16-Białowieża" styleCategories="Symbology">
  <renderer-v2 type="categorizedSymbol" attr="group" symbollevels="0" enableorderby="0" forceraster="0">
    <categories>
      <category symbol="0" value="coverage" label="Outside the data coverage" render="true"/>
      <category symbol="1" value="space" label="Space" render="true"/>
      <category symbol="2" value="energy demand" label="Energy demand" render="true"/>
      <category symbol="3" value="cooling water" label="Cooling water" render="true"/>
      <category symbol="4" value="safety" label="Safety" render="true"/>
      <category symbol="5" value="demand scenario" label="Demand scenario" render="true"/>
    </categories>
    <symbols>
      <symbol type="fill" name="0" alpha="0.5" clip_to_extent="1" force_rhr="0"><layer class="SimpleFill" enabled="1" pass="0" locked="0"><Option type="Map"><Option type="QString" name="color" value="190,190,190,255"/><Option type="QString" name="outline_style" value="no"/></Option></layer></symbol>
      <symbol type="fill" name="1" alpha="0.5" clip_to_extent="1" force_rhr="0"><layer class="SimpleFill" enabled="1" pass="0" locked="0"><Option type="Map"><Option type="QString" name="color" value="214,96,77,255"/><Option type="QString" name="outline_style" value="no"/></Option></layer></symbol>
      <symbol type="fill" name="2" alpha="0.5" clip_to_extent="1" force_rhr="0"><layer class="SimpleFill" enabled="1" pass="0" locked="0"><Option type="Map"><Option type="QString" name="color" value="118,42,131,255"/><Option type="QString" name="outline_style" value="no"/></Option></layer></symbol>
      <symbol type="fill" name="3" alpha="0.5" clip_to_extent="1" force_rhr="0"><layer class="SimpleFill" enabled="1" pass="0" locked="0"><Option type="Map"><Option type="QString" name="color" value="33,102,172,255"/><Option type="QString" name="outline_style" value="no"/></Option></layer></symbol>
      <symbol type="fill" name="4" alpha="0.5" clip_to_extent="1" force_rhr="0"><layer class="SimpleFill" enabled="1" pass="0" locked="0"><Option type="Map"><Option type="QString" name="color" value="244,165,130,255"/><Option type="QString" name="outline_style" value="no"/></Option></layer></symbol>
      <symbol type="fill" name="5" alpha="0.5" clip_to_extent="1" force_rhr="0"><layer class="SimpleFill" enabled="1" pass="0" locked="0"><Option type="Map"><Option type="QString" name="color" value="153,112,171,255"/><Option type="QString" name="outline_style" value="no"/></Option></layer></symbol>
    </symbols>
  </renderer-v2>
  <layerGeometryType>2</layerGeometryType>
</qgis>
