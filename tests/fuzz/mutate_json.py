#!/usr/bin/env python3
"""Blind JSON-aware mutations of a corpus (bench/fuzzing.md): usage mutate_json.py <corpus> <out> <seed> <count>.
Feeds the json_request and filter replays where no clang libFuzzer build is at hand; it has no
coverage feedback, so it finds only shallow defects."""
import json, os, random, sys
random.seed(int(sys.argv[3]))
seeds = [open(os.path.join(sys.argv[1], f), 'rb').read() for f in os.listdir(sys.argv[1])]
out = sys.argv[2]; os.makedirs(out, exist_ok=True)
VALUES = [None, True, False, 0, -1, 470936837337, 2**63, -2**63-1, 1e308, -1e308, 1e-320, 0.5, "", "x\u0000y", "\ud800", "a"*5000,
          "2024-02-30T25:61:61Z", "0000-00-00", "9999-12-31T23:59:59.999999Z", "-0001-01-01T00:00:00Z", "P1Y", "PT-5S", "99999999999:00:00",
          [], {}, [[]], {"a": {}}, ["x"]*50, "FREQ=SECONDLY", "* * * * * * *", "00000000-0000-0000-0000-000000000000", "NaN", "1e400"]
def mutate_value(v, depth=0):
    r = random.random()
    if r < 0.3: return random.choice(VALUES)
    if isinstance(v, dict) and v and depth < 6:
        k = random.choice(list(v)); v = dict(v); v[k] = mutate_value(v[k], depth+1)
        if random.random() < 0.2: v[random.choice(["limit","offset","sort","operator","any_","like_","before_","after_","is_null_","state","name","filter","tags"])] = random.choice(VALUES)
        return v
    if isinstance(v, list) and v and depth < 6:
        v = list(v); i = random.randrange(len(v)); v[i] = mutate_value(v[i], depth+1); return v
    return random.choice(VALUES)
n = 0
for i in range(int(sys.argv[4])):
    s = random.choice(seeds)
    try:
        doc = json.loads(s)
        data = json.dumps(mutate_value(doc)).encode()
    except Exception:
        data = s
    if random.random() < 0.3:
        b = bytearray(data)
        for _ in range(random.randint(1, 4)):
            if b: b[random.randrange(len(b))] = random.randrange(256)
        data = bytes(b)
    if random.random() < 0.05: data = b"[" * random.randint(100, 5000) + data
    open(os.path.join(out, "%06d" % i), "wb").write(data); n += 1
print(n)
