"""Neural-network building blocks: layers, models, initialisers and losses.

Everything here is a composition of Tensor operations: no layer or loss has a
hand-written backward.  ``functional`` holds the losses and activations as
plain functions, ``init`` the weight initialisers, ``losses`` the Keras names
of the losses.
"""
from . import functional, init, losses
from .modules import Module, Dense, Activation, ACTIVATIONS, get_activation
from .model import Model, Sequential
from .conv_layers import Conv2D, MaxPooling2D, AveragePooling2D, Flatten

__all__ = ["functional", "init", "losses", "Module", "Dense", "Activation", "ACTIVATIONS",
           "get_activation", "Model", "Sequential", "Conv2D", "MaxPooling2D", "AveragePooling2D",
           "Flatten"]
