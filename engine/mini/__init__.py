"""frameloom-mini: a procedural captioned video world, and the model trained and measured on it."""
