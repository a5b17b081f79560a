"""Fractal-guided exploration in a grid world (the reference's RL example, on mfn).

An epsilon-greedy agent explores a 10×10 grid with obstacles; the box-counting dimension of
the cells it has visited tunes its exploration rate, and the IFS Lyapunov exponent of its
generator is reported. Run: python3 rl_exploration.py
"""

import math

import numpy as np

import mfn

MOVES = [(0, 1), (1, 0), (0, -1), (-1, 0)]


class GridWorld:
    def __init__(self, size=10, seed=42):
        self.size, self.goal = size, (size - 1, size - 1)
        rng = np.random.default_rng(seed)
        self.obstacles = set()
        for i in range(size):
            for j in range(size):
                if (i, j) in ((0, 0), self.goal):
                    continue
                if rng.random() < 0.1:
                    self.obstacles.add((i, j))
        self.pos = (0, 0)

    def reset(self):
        self.pos = (0, 0)
        return self.pos

    def step(self, action):
        dx, dy = MOVES[action]
        nxt = (min(max(self.pos[0] + dx, 0), self.size - 1), min(max(self.pos[1] + dy, 0), self.size - 1))
        if nxt in self.obstacles:
            return self.pos, -0.5, False
        self.pos = nxt
        if nxt == self.goal:
            return nxt, 1.0, True
        return nxt, -0.01, False


def visit_dimension(visits):
    return mfn.estimate_fractal_dimension(visits > 0) if np.count_nonzero(visits) >= 4 else 0.0


def main(seed=42, episodes=50, max_steps=100):
    env = GridWorld(seed=seed)
    rng = np.random.default_rng(seed)
    visits = np.zeros((env.size, env.size))
    reward_times, total_reward, successes = [], 0.0, 0
    t = 0
    for ep in range(episodes):
        d = visit_dimension(visits)
        fb = max(0.0, (1.8 - d) / 1.8) * 0.2 if d > 0 else 0.3
        eps = min(max(0.8 * (1 - 0.9 * ep / episodes) * (1 + fb), 0.05), 1.0)
        pos = env.reset()
        for _ in range(max_steps):
            visits[pos] += 1
            bonus = min(0.5, 0.5 / math.sqrt(visits[pos]))
            if rng.random() < min(1.0, eps + 0.5 * bonus):
                action = int(rng.integers(0, 4))
            else:
                dx, dy = env.goal[0] - pos[0], env.goal[1] - pos[1]
                action = (1 if dx > 0 else 3) if abs(dx) > abs(dy) else (0 if dy > 0 else 2)
            pos, reward, done = env.step(action)
            t += 1
            if reward > 0:
                trace = sum(0.01 * math.exp(-(t - a) / (0.020 * 50)) for a in reward_times[-20:] if t - a > 0)
                reward *= 1 + min(0.5, trace)
                reward_times.append(t)
            total_reward += reward
            if done:
                successes += 1
                break
    coverage = np.count_nonzero(visits) / visits.size
    d = visit_dimension(visits)
    _, lyap = mfn.generate_fractal_ifs(rng, num_points=5000)
    print(f"episodes {episodes}: {successes} reached the goal, total reward {total_reward:.2f}")
    print(f"coverage {coverage:.0%}, visit-map dimension {d:.3f}, IFS Lyapunov {lyap:.4f}")
    return {"coverage": coverage, "dimension": d, "successes": successes, "lyapunov": lyap}


if __name__ == "__main__":
    main()
