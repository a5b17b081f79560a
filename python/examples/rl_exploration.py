"""Fractal-guided exploration in a grid world (the reference's RL example, on mfn).

An epsilon-greedy agent explores a 10×10 grid with obstacles; the box-counting dimension of
the cells it has visited tunes its exploration rate, positive rewards get STDP-like credit,
and the IFS Lyapunov exponent of its generator is reported. With the defaults it gives the
reference's statistics. Run: python3 rl_exploration.py
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
        self.reset()

    def reset(self):
        self.pos = (0, 0)
        self.visited = {self.pos}  # per episode, as in the reference
        return self.pos

    def step(self, action):
        dx, dy = MOVES[action]
        nxt = (min(max(self.pos[0] + dx, 0), self.size - 1), min(max(self.pos[1] + dy, 0), self.size - 1))
        reward = -0.5 if nxt in self.obstacles else -0.01
        if nxt not in self.obstacles:
            self.pos = nxt
        self.visited.add(self.pos)
        if self.pos == self.goal:
            return self.pos, 1.0, True
        return self.pos, reward, False


def visit_dimension(mask):
    return mfn.estimate_fractal_dimension(mask) if np.count_nonzero(mask) >= 4 else 0.0


def main(seed=42, episodes=50, max_steps=100):
    env = GridWorld(seed=seed)
    rng = np.random.default_rng(seed)
    counts = np.zeros((env.size, env.size), dtype=np.int64)  # visits over all episodes
    action_times = []
    rewards, lengths = [], []
    for ep in range(episodes):
        d = visit_dimension(counts > 0)
        fb = max(0.0, (1.8 - d) / 1.8) * 0.2 if d > 0 else 0.3
        eps = min(1.0, max(0.05, 0.8 * (1.0 - 0.9 * ep / episodes) * (1.0 + fb)))
        pos, total, t = env.reset(), 0.0, 0
        for _ in range(max_steps):
            counts[pos] += 1
            bonus = min(0.5, 0.5 / math.sqrt(counts[pos]))
            if rng.random() < min(1.0, eps + 0.5 * bonus):
                action = int(rng.integers(0, 4))
            else:
                dx, dy = env.goal[0] - pos[0], env.goal[1] - pos[1]
                action = (1 if dx > 0 else 3) if abs(dx) > abs(dy) else (0 if dy > 0 else 2)
            pos, reward, done = env.step(action)
            action_times = (action_times + [float(t)])[-100:]
            if reward > 0:  # STDP-like credit to the last 20 actions (A+ = 0.01, τ+ = 0.020 s × 50)
                credit = sum(0.01 * math.exp(-(t - a) / (0.020 * 50)) for a in action_times[-20:] if t - a > 0)
                reward *= 1.0 + min(credit, 0.5)
            total += reward
            t += 1
            if done:
                break
        rewards.append(total)
        lengths.append(t)
    free = env.size ** 2 - len(env.obstacles)
    coverage = len(env.visited) / max(1, free)  # the last episode's, as in the reference
    mask = np.zeros((env.size, env.size), dtype=bool)
    for cell in env.visited:
        mask[cell] = True
    d = visit_dimension(mask)
    _, lyap = mfn.generate_fractal_ifs(rng, num_points=5000)
    stats = {"coverage": coverage, "dimension": d, "unique_states": len(env.visited), "total_steps": sum(lengths),
             "mean_episode_length": float(np.mean(lengths[-10:])), "mean_reward": float(np.mean(rewards[-10:])),
             "lyapunov": lyap}
    print(f"episodes {episodes}: {sum(lengths)} steps, mean reward (last 10) {stats['mean_reward']:.3f}")
    print(f"coverage {coverage:.1%}, visit-map dimension {d:.4f}, IFS Lyapunov {lyap:.4f}")
    return stats


if __name__ == "__main__":
    main()
