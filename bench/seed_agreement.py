#!/usr/bin/env python3
"""Seeds an agreement benchmark: one project with P problems of S solutions each, one human grade per solution, and
G grading runs that each scored every solution (G x P x S human-model pairs), plus the history rows those writes leave.

Project, problems, the model profile and the runs go through the real Api; the bulk rows (solutions, grades, history)
go straight into PostgreSQL with psql, since tens of thousands of Worker writes would take far longer than the
measurement. Model scores are the human score plus a random -1, 0 or +1 (clamped to 0..7), from a fixed seed.
Prints `PROJECT_ID=<id>`, `TOKEN=<personal api token>` and `SOLUTION_ID=<one solution>`."""
import json, subprocess, sys, urllib.request

api, email, password, psql_url = sys.argv[1:5]
graders = int(sys.argv[5]) if len(sys.argv) > 5 else 20
problems = int(sys.argv[6]) if len(sys.argv) > 6 else 50
per_problem = int(sys.argv[7]) if len(sys.argv) > 7 else 50


def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(api + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


def sql(statement):
    subprocess.run(["psql", psql_url, "-v", "ON_ERROR_STOP=1", "-qc", statement], check=True, stdout=subprocess.DEVNULL)


login = call("POST", "/api/auth/login", {"email": email, "password": password})
token = call("POST", "/api/tokens", {"name": "agreement-bench"}, login["accessToken"])["token"]
me = call("GET", "/api/me", token=token)
project = call("POST", "/api/projects", {"name": "Agreement benchmark", "description": "Seeded by bench/seed_agreement.py"}, token)
pid = project["id"]
problem_ids = []
for p in range(problems):
    problem = call("POST", f"/api/projects/{pid}/problems", {
        "title": f"Problem {p + 1}", "statement": f"Prove statement number {p + 1}.", "maxPoints": 7,
        "referenceSolutions": [{"text": "A reference proof.", "source": "bench"}],
    }, token)
    problem_ids.append(problem["id"])

sql(f"""
INSERT INTO solutions (id, project_id, problem_id, text, author, external_id, created_at, updated_at)
SELECT gen_random_uuid(), '{pid}', p.id, 'Solution ' || g || ' of ' || p.title, 'model-' || (g % 6), 'agr-' || g, now(), now()
FROM problems p CROSS JOIN generate_series(1, {per_problem}) g WHERE p.project_id = '{pid}';
""")

profile = call("POST", "/api/model-profiles", {
    "name": "Agreement bench profile", "baseUrl": "http://127.0.0.1:9/v1", "model": "fake-model-1",
    "prices": {"input": 1, "cachedInput": 0.1, "output": 4},
}, token)
for _ in range(graders):
    call("POST", "/api/grading-runs", {"projectId": pid, "problemIds": problem_ids, "workflow": "absolute", "modelProfileId": profile["id"]}, token)

sql(f"""
SELECT setseed(0.42);
INSERT INTO human_grades (id, project_id, solution_id, grader_id, points, comment, given_blind, created_at, updated_at)
SELECT gen_random_uuid(), s.project_id, s.id, '{me['id']}', floor(random() * 8), '', false, now(), now()
FROM solutions s WHERE s.project_id = '{pid}';
INSERT INTO model_grades (id, project_id, solution_id, run_id, source, model, points, max_points, status, status_reason, summary,
                          rationale, raw_output, provenance, created_at)
SELECT gen_random_uuid(), h.project_id, h.solution_id, r.id, 'absolute', 'fake-model-1',
       greatest(0, least(7, h.points + floor(random() * 3) - 1)), 7, 'Valid', '', '', '', '', '{{}}', now()
FROM human_grades h CROSS JOIN grading_runs r WHERE h.project_id = '{pid}' AND r.project_id = '{pid}';
INSERT INTO audit_events (at, actor_name, project_id, solution_id, entity_type, entity_id, action, data)
SELECT now(), 'bench', project_id, solution_id, 'humanGrade', id, 'created', '{{}}'::jsonb FROM human_grades WHERE project_id = '{pid}'
UNION ALL
SELECT now(), 'bench', project_id, solution_id, 'modelGrade', id, 'created', '{{}}'::jsonb FROM model_grades WHERE project_id = '{pid}';
ANALYZE;
""")

out = subprocess.run(["psql", psql_url, "-Atc", f"SELECT id FROM solutions WHERE project_id = '{pid}' LIMIT 1"], check=True,
                     capture_output=True, text=True).stdout.strip()
print(f"PROJECT_ID={pid}")
print(f"TOKEN={token}")
print(f"SOLUTION_ID={out}")
