"""What every page draws with: the palette and base layout of figures, the reading figure's renderer,
the live chart redrawn in place, and the actions that run in the visitor's browser.
"""
