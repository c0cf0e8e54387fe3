"""Operations as windows of pinned-frame requests: the planner, the runner and seam colour.

Holds ``planner`` (shot, extend, bridge, loop and long shot as requests plus exact trims; pure),
``runner`` (runs a plan on a backend, matches and blends seams, writes take and joined file) and
``colour`` (Lab colour matching and crossfades).

May import: ``backends``, ``models``, ``output``, ``protocol``.
"""
