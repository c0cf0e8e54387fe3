"""The Qt layer: views, commands, actions and the main window; the only place widgets live."""
