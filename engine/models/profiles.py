"""Memory profiles: the ways a pipeline can be placed, from fastest to cheapest in memory."""

PROFILES = ("full", "tiled", "offload", "sequential")
"""Memory profiles from fastest to cheapest in memory; each adds to the one before it:
``tiled`` tiles and slices the VAE, ``offload`` moves whole models to the device only while
they run, ``sequential`` moves layers one at a time. The two offload profiles need a CUDA device
and the accelerate package; on a CPU they behave like ``tiled``."""
