"""The Evaluate page: the active model on the MNIST test set, its confusion matrix and mistakes, and run comparisons."""
