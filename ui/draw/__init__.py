"""The Draw page: the canvas, the prediction, the row-by-row reading, the time-lapse and Teach it."""
