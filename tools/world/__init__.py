"""Procedural horse world: seedable clips with captions, a held-out list and an analyser.

Modules:
  spec      -- the factors of a clip (subject, colour, action, direction, setting, time, camera) and sampling
  palette   -- every colour of the world (coats, settings, time-of-day tints)
  raster    -- soft (anti-aliased) shape rasteriser over numpy arrays
  scene     -- backgrounds, subjects and `render_clip(spec, frames, seed)`
  clips     -- `world_clip(seed, frames)`: world clips by number (spec drawn from the seed)
  captions  -- caption grammar with synonyms and varied word order
  confusable -- the same spec with a factor swapped for a confusable one (caption-swap negatives)
  analyser  -- estimates the factors back from frames (used by evaluation)
  pngio     -- minimal PNG writer (no PIL needed)
"""
