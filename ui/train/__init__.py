"""The Train page: hyperparameters, a run watched live, the shipped model's curves and the saved runs."""
