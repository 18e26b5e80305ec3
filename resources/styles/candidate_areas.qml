<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.16-Białowieża" styleCategories="Symbology|Labeling" labelsEnabled="1">
  <renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">
    <symbols>
      <symbol type="fill" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleFill" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option type="QString" name="color" value="26,152,80,140"/>
            <Option type="QString" name="style" value="solid"/>
            <Option type="QString" name="outline_color" value="0,90,50,255"/>
            <Option type="QString" name="outline_style" value="solid"/>
            <Option type="QString" name="outline_width" value="0.5"/>
            <Option type="QString" name="outline_width_unit" value="MM"/>
            <Option type="QString" name="joinstyle" value="miter"/>
          </Option>
        </layer>
      </symbol>
    </symbols>
  </renderer-v2>
  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fieldName="concat('#', &quot;area_id&quot;, ' · ', format_number(&quot;area_ha&quot;, 0), ' ha')" isExpression="1" fontSize="8" fontWeight="75" textColor="0,60,30,255" fontFamily="Sans Serif" namedStyle="Bold" textOpacity="1">
        <text-buffer bufferDraw="1" bufferSize="0.8" bufferColor="255,255,255,255" bufferOpacity="0.8" bufferSizeUnits="MM"/>
      </text-style>
      <placement placement="1" dist="0" priority="5"/>
      <rendering scaleVisibility="0" obstacle="1" displayAll="0" fontLimitPixelSize="0" limitNumLabels="0" maxNumLabels="2000"/>
    </settings>
  </labeling>
  <layerGeometryType>2</layerGeometryType>
</qgis>
