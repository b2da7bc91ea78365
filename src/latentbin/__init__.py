"""latentbin: metagenome binning with a variational autoencoder.

Stages, each a module with a pure numpy/torch core and file I/O at the edge:
contigs -> tnf -> depth -> train (VAE) -> encode -> cluster -> bins -> qc.
"""

__version__ = "0.1.0"
