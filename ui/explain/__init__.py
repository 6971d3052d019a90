"""The explanations under a reading on the Draw page: which rows mattered, what if, the unit inspector and the state map."""
