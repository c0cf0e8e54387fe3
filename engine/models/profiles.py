"""Memory profiles: the ways a pipeline can be placed, from fastest to cheapest in memory."""

from engine.protocol.requests import MEMORY_PROFILES

PROFILES = MEMORY_PROFILES
"""Memory profiles from fastest to cheapest in memory; each adds to the one before it:
``tiled`` tiles and slices the VAE, ``offload`` moves whole models to the device only while
they run, ``sequential`` moves layers one at a time. The two offload profiles need a CUDA device
and the accelerate package; on a CPU they behave like ``tiled`` when the out-of-memory retry
reaches them, and a request that asks for one there is refused."""
