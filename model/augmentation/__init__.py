"""Distortions of training digits, so that the network reads real drawings well; used at training time only.

`augment.py` applies the random affine and stroke-width distortions and hands most of a batch to
`redraw.py`, which redraws digits as the app's canvas delivers a drawing. Plain NumPy: no Keras here.
"""
