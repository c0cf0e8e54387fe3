"""Timeline rendering: the document to a frame sequence (timeline) and to an MP4/MOV (export)."""
