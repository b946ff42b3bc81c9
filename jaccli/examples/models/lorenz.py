"""The Lorenz system, integrated by classical Runge-Kutta steps in plain NumPy.

Used by configs/lorenz.yaml (`function: models/lorenz.py:trajectory`) and directly:
    jaccli jacobian configs/models/lorenz.py:step --input state=[1,1,1] \
        --input sigma=10 --input rho=28 --input beta=2.667
"""

import numpy as np


def rhs(state, sigma, rho, beta):
    """dx/dt of the Lorenz system at `state` = (x, y, z)."""
    x, y, z = state[0], state[1], state[2]
    return np.stack([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])


def step(state, sigma, rho, beta, dt=0.01):
    """One RK4 step of length dt."""
    k1 = rhs(state, sigma, rho, beta)
    k2 = rhs(state + 0.5 * dt * k1, sigma, rho, beta)
    k3 = rhs(state + 0.5 * dt * k2, sigma, rho, beta)
    k4 = rhs(state + dt * k3, sigma, rho, beta)
    return state + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def trajectory(state0, sigma, rho, beta, dt=0.01, steps=40):
    """The states after 1, 2, ..., steps RK4 steps: shape (steps, 3)."""
    states, state = [], state0
    for _ in range(int(steps)):
        state = step(state, sigma, rho, beta, dt)
        states.append(state)
    return np.stack(states)
