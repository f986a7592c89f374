#!/usr/bin/env python3
"""Seeds a benchmark dataset through the real Api: one problem, N solutions of ~20 KB, 50 annotations on one of them.

Prints `SOLUTION_ID=<id>` and `TOKEN=<personal api token>` for the measuring script. Solution texts are built at run
time from the public corpora beside the repository (never copied into it)."""
import json, os, sys, urllib.request, glob

api = sys.argv[1]
email, password = sys.argv[2], sys.argv[3]
count = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
corpora = sys.argv[5]

def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(api + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        raw = r.read()
        return json.loads(raw) if raw else None

login = call("POST", "/api/auth/login", {"email": email, "password": password})
bearer = login["accessToken"]
token = call("POST", "/api/tokens", {"name": "bench"}, bearer)["token"]

project = call("POST", "/api/projects", {"name": "Benchmark", "description": "Seeded by bench/seed.py"}, token)
problem = call("POST", f"/api/projects/{project['id']}/problems", {
    "title": "Benchmark problem", "statement": "Prove that $a^2 + b^2 \\ge 2ab$ for all reals $a, b$.", "maxPoints": 7,
    "referenceSolutions": [{"text": "$(a-b)^2 \\ge 0$.", "source": "bench"}],
    "rubric": {"items": [{"title": "Key idea", "points": 3}, {"title": "Completion", "points": 4}], "zeroCredit": "Nothing"},
}, token)

# ~20 KB of real proof text per solution, varied by a rotating offset.
pool = ""
for path in sorted(glob.glob(os.path.join(corpora, "matharena-usamo-2025", "solutions", "*.tex"))):
    with open(path, encoding="utf-8") as f:
        pool += f.read() + "\n\n"
while len(pool) < 40_000:
    pool += pool
ids = []
for i in range(count):
    start = (i * 997) % (len(pool) - 20_000)
    text = f"Solution {i}.\n\n" + pool[start:start + 20_000]
    s = call("POST", f"/api/problems/{problem['id']}/solutions", {"text": text, "author": f"model-{i % 6}", "externalId": f"bench-{i}"}, token)
    ids.append(s["id"])

target = ids[len(ids) // 2]
solution = call("GET", f"/api/solutions/{target}", token=token)
text = solution["text"]
types = ["proof-by-example", "proposal-without-verification", "inventing-wrong-facts", "begging-the-question",
         "trial-and-error", "calculation-mistake", "wrong-logical-conclusion"]
for k in range(50):
    start = 100 + k * 350
    end = start + 60
    call("POST", f"/api/solutions/{target}/annotations", {"start": start, "end": end, "quote": text[start:end],
         "errorType": types[k % len(types)], "severity": ["minor", "major", "critical"][k % 3], "comment": f"Bench note {k}"}, token)
items = solution["rubric"]["items"]
call("POST", f"/api/solutions/{target}/human-grades", {"points": 5, "items": [
    {"rubricItemId": items[0]["id"], "points": 3}, {"rubricItemId": items[1]["id"], "points": 2}], "comment": "bench"}, token)
call("PUT", f"/api/solutions/{target}/adjudication", {"points": 5, "rationale": "bench"}, token)
print(f"SOLUTION_ID={target}")
print(f"TOKEN={token}")
