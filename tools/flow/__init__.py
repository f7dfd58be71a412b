"""The rectified-flow data and objective that the trainer (train/) and the evaluator's probes (eval/) share.

Modules:
  latent_cache -- reading the cached clip latents that train.cache_latents writes
  objective    -- the training window K, subject weighting, the per-row loss and the mixed noise prior
"""
