"""What a job leaves behind: the take's MP4 written safely, and its reproducibility record.

Holds ``video`` (MP4 under a temporary name, decoded, then put in place) and ``record`` (the
settings, versions and pin fingerprints a take carries). May import: ``engine.protocol``.
"""
