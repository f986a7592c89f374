#!/usr/bin/env python3
"""Gives a seeded problem (bench/seed.py) the grades a busy problem has, so sorting and filtering its list has work to do.

Every 3rd solution gets a grade from the token's owner, every 7th of those an adjudication. Usage:
seed_lists.py API TOKEN PROBLEM_ID. Prints how many of each it made."""
import json, sys, urllib.request

api, token, problem = sys.argv[1], sys.argv[2], sys.argv[3]

def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(api + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        raw = r.read()
        return json.loads(raw) if raw else None

ids, after = [], None
while True:
    page = call("GET", f"/api/problems/{problem}/solutions?limit=500" + (f"&after={after}" if after else ""))
    ids += [s["id"] for s in page["items"]]
    if not page["next"]:
        break
    after = ids[-1]
graded = adjudicated = 0
for i, sid in enumerate(ids):
    if i % 3 != 0 or i == len(ids) // 2:  # the middle one is graded by seed.py already
        continue
    call("POST", f"/api/solutions/{sid}/human-grades", {"points": (i // 3) % 8, "comment": "bench"})
    graded += 1
    if i % 21 == 0:
        call("PUT", f"/api/solutions/{sid}/adjudication", {"points": (i // 3) % 8, "rationale": "bench"})
        adjudicated += 1
print(f"graded={graded} adjudicated={adjudicated} of {len(ids)}")
