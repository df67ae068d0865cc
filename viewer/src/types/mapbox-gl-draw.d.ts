// The part of @mapbox/mapbox-gl-draw 1.4 the zone editor uses (the package ships no types).
declare module '@mapbox/mapbox-gl-draw' {
  import type { Feature, FeatureCollection } from 'geojson';
  import type { IControl } from 'mapbox-gl';

  interface DrawOptions {
    displayControlsDefault?: boolean;
    controls?: Partial<Record<'point' | 'line_string' | 'polygon' | 'trash' | 'combine_features' | 'uncombine_features', boolean>>;
    defaultMode?: string;
    styles?: object[];
  }

  export default class MapboxDraw implements IControl {
    constructor(options?: DrawOptions);
    onAdd(map: import('mapbox-gl').Map): HTMLElement;
    onRemove(map: import('mapbox-gl').Map): void;
    add(geojson: Feature | FeatureCollection): string[];
    getAll(): FeatureCollection;
    deleteAll(): this;
    changeMode(mode: string, options?: object): this;
  }
}
