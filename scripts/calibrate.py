"""Measure the cost model's constants on this machine (see jaccli/costs.py):
    python scripts/calibrate.py"""
from jaccli.costs import calibrate

for key, value in calibrate().items():
    print(f"{key:22s} {value:.3g}")
