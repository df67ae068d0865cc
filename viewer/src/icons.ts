import type { Map as MapboxMap } from 'mapbox-gl';

/**
 * Vessel icons drawn on a canvas and registered with `map.addImage`: nothing to download. Shape says
 * the type (a pointed hull for fishing vessels, a plain arrow for others), colour the state. Icons
 * point north; the layer rotates them by heading.
 */

export const VESSEL_STATES = ['normal', 'alert', 'dark', 'port'] as const;
export type VesselState = (typeof VESSEL_STATES)[number];
export const VESSEL_TYPES = ['fishing', 'other'] as const;
export type VesselType = (typeof VESSEL_TYPES)[number];

export const STATE_COLOURS: Record<VesselState, string> = {
  normal: '#37d39a',
  alert: '#ff4d4f',
  dark: '#8c98a8',
  port: '#f6b73c',
};

export const iconName = (state: VesselState, type: VesselType) => `vessel-${state}-${type}`;

/** Drawn at twice the displayed size for sharp icons on high-density screens. */
const PIXEL_RATIO = 2;
const SIZE = 24 * PIXEL_RATIO;

function drawVessel(ctx: CanvasRenderingContext2D, type: VesselType, colour: string): void {
  const s = SIZE;
  ctx.beginPath();
  if (type === 'fishing') {
    // Hull: a pointed bow, straight sides, square stern.
    ctx.moveTo(s * 0.5, s * 0.06);
    ctx.quadraticCurveTo(s * 0.74, s * 0.3, s * 0.7, s * 0.9);
    ctx.lineTo(s * 0.3, s * 0.9);
    ctx.quadraticCurveTo(s * 0.26, s * 0.3, s * 0.5, s * 0.06);
  } else {
    ctx.moveTo(s * 0.5, s * 0.08);
    ctx.lineTo(s * 0.8, s * 0.88);
    ctx.lineTo(s * 0.5, s * 0.7);
    ctx.lineTo(s * 0.2, s * 0.88);
  }
  ctx.closePath();
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.lineWidth = PIXEL_RATIO * 1.5;
  ctx.strokeStyle = '#06182b';
  ctx.stroke();
  if (type === 'fishing') {
    // A mast dot marks a fishing vessel even at small sizes.
    ctx.beginPath();
    ctx.arc(s * 0.5, s * 0.5, s * 0.07, 0, Math.PI * 2);
    ctx.fillStyle = '#06182b';
    ctx.fill();
  }
}

export function addVesselIcons(map: MapboxMap): void {
  const canvas = document.createElement('canvas');
  canvas.width = SIZE;
  canvas.height = SIZE;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser cannot draw on a canvas');
  for (const state of VESSEL_STATES) {
    for (const type of VESSEL_TYPES) {
      ctx.clearRect(0, 0, SIZE, SIZE);
      drawVessel(ctx, type, STATE_COLOURS[state]);
      map.addImage(iconName(state, type), ctx.getImageData(0, 0, SIZE, SIZE), { pixelRatio: PIXEL_RATIO });
    }
  }
}

/** A legend swatch: the same drawing, small, as an <img>. */
export function vesselSwatch(state: VesselState, type: VesselType): HTMLImageElement {
  const canvas = document.createElement('canvas');
  canvas.width = SIZE;
  canvas.height = SIZE;
  const ctx = canvas.getContext('2d');
  if (ctx) drawVessel(ctx, type, STATE_COLOURS[state]);
  const img = document.createElement('img');
  img.src = canvas.toDataURL();
  img.width = 18;
  img.height = 18;
  img.alt = '';
  return img;
}
