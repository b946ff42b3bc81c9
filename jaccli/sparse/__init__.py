"""Sparse Jacobians and Hessians: colourings of sparsity patterns, recovery from compressed sweeps.

`coloring` colours a pattern (which columns or rows may share one seed), `recovery` builds the
seeds and decompresses the swept products into CSR, `checks` says whether a colouring is valid.
Nothing here depends on the rest of jaccli.
"""
