"""Sparse Jacobians and Hessians: colourings of sparsity patterns, recovery from compressed sweeps.

`pattern` finds a graph's Jacobian pattern (rules per primitive kind in `pattern_rules`, CSR
helpers in `csr`), `coloring` colours a pattern (which columns or rows may share one seed),
`recovery` builds the seeds and decompresses the swept products into CSR, `checks` says
whether a colouring is valid, and `jacobian` ties them to a traced graph: the cached
`Sparsity`, the planner's sparse side and the compressed sweeps.
"""
