"""The API half of the newcomer smoke (tests/smoke/smoke.sh starts and stops everything around it).

Works only through the public REST API, as a user with an API token would: signs in once to create a personal token
and from then on sends only `Authorization: Bearer gpt_...`; creates a model profile on the fake model, imports the
MathArena and Open Proof Corpus archives, runs a five-stage and an absolute grading run, SIGKILLs one Worker while they
run (run.sh must start it again), checks every solution was graded exactly once, and exports the project as JSON Lines.

Prints one `PASS: ...` or `FAIL: ...` line per check; exits 0 when every check passed, 1 when one failed, and stops at
the first failure a later step depends on. Python 3 standard library only.

Environment: SMOKE_API (the Api's base URL), SMOKE_FAKE_URL (the fake model's /v1 URL), SMOKE_ROOT (repository root),
SMOKE_CORPORA (the shared corpora folder), SMOKE_ADMIN_EMAIL, SMOKE_ADMIN_PASSWORD, SMOKE_RUN_OUTPUT (run.sh's output,
to see the restart it prints), SMOKE_WAIT (seconds any one wait may take, default 300).
"""

import io
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
import zipfile

API = os.environ["SMOKE_API"].rstrip("/")
FAKE_URL = os.environ["SMOKE_FAKE_URL"]
ROOT = os.environ["SMOKE_ROOT"]
CORPORA = os.environ["SMOKE_CORPORA"]
RUN_OUTPUT = os.environ.get("SMOKE_RUN_OUTPUT", "")
WAIT = int(os.environ.get("SMOKE_WAIT", "300"))
HOST_PIDS = os.path.join(ROOT, ".local", "hosts.pid")
WORKER_DLL = "GradingPortal.Worker.dll"
FINISHED = ("completed", "cancelled", "failed")

STARTED = time.monotonic()
failures = 0


def stamp():
    return f"[{time.monotonic() - STARTED + float(os.environ.get('SMOKE_OFFSET', '0')):5.0f}s]"


def passed(what):
    print(f"PASS: {stamp()} {what}", flush=True)


def failed(what):
    global failures
    failures += 1
    print(f"FAIL: {stamp()} {what}", flush=True)


class Stop(Exception):
    """A check failed that later steps depend on."""


def check(condition, what, detail="", fatal=False):
    if condition:
        passed(what)
    else:
        failed(f"{what}{': ' + detail if detail else ''}")
        if fatal:
            raise Stop(what)
    return condition


def info(what):
    print(f"      {stamp()} {what}", flush=True)


# --- HTTP ------------------------------------------------------------------------------------------------------------
TOKEN = None


def request(method, path, body=None, raw=None, content_type=None, token=None, timeout=120):
    """Returns (status, parsed JSON or text, headers). Never raises for an HTTP status."""
    url = path if path.startswith("http") else API + path
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    elif raw is not None:
        data = raw
        headers["Content-Type"] = content_type or "application/octet-stream"
    bearer = token or TOKEN
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, payload, hdrs = resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as e:
        status, payload, hdrs = e.code, e.read(), e.headers
    text = payload.decode("utf-8", errors="replace")
    kind = hdrs.get("Content-Type", "")
    if "json" in kind and "ndjson" not in kind and text:
        try:
            return status, json.loads(text), hdrs
        except ValueError:
            pass
    return status, text, hdrs


def call(method, path, expect, what, **kwargs):
    """A request whose status must be `expect`; a different status stops the smoke (it names the answer)."""
    status, payload, headers = request(method, path, **kwargs)
    if status != expect:
        failed(f"{what}: {method} {path} answered {status}, expected {expect}: {str(payload)[:600]}")
        raise Stop(what)
    return payload, headers


def wait_for(what, probe, timeout=WAIT, interval=1.0):
    """Calls probe() until it returns something truthy; None when the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            info(f"gave up waiting for {what} after {timeout} s")
            return None
        time.sleep(interval)


# --- steps -----------------------------------------------------------------------------------------------------------
def sign_in():
    global TOKEN
    email, password = os.environ["SMOKE_ADMIN_EMAIL"], os.environ["SMOKE_ADMIN_PASSWORD"]
    login, _ = call("POST", "/api/auth/login", 200, "sign in as the first admin", body={"email": email, "password": password})
    access = login.get("accessToken") if isinstance(login, dict) else None
    check(bool(access), "signed in as the first admin with the credentials run.sh created", fatal=True)
    created, _ = call("POST", "/api/tokens", 201, "create a personal API token", body={"name": "newcomer smoke"}, token=access)
    secret = created.get("token", "")
    check(secret.startswith("gpt_"), "created a personal API token (gpt_...)", f"got {secret[:4]!r}", fatal=True)
    TOKEN = secret
    # For the check after run.sh's restart; the file is private and deleted with the scratch folder.
    token_file = os.environ.get("SMOKE_TOKEN_FILE")
    if token_file:
        with os.fdopen(os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(secret)
    me, _ = call("GET", "/api/me", 200, "the API token identifies its user")
    check(me.get("email") == email and me.get("isAdmin") is True, "the API token works: GET /api/me names the admin", str(me)[:200], fatal=True)


def model_profile():
    body = {
        "name": f"smoke fake model {int(time.time())}", "baseUrl": FAKE_URL, "model": "fake-model",
        "apiKey": None, "apiKeyVariable": None, "temperature": None, "reasoningEffort": None, "maxOutputTokens": None,
        "timeoutSeconds": 60, "maxConcurrency": 4, "requestsPerMinute": None,
        "prices": {"input": 1.0, "cachedInput": 0.1, "output": 4.0}, "structuredOutput": "jsonSchema",
    }
    profile, _ = call("POST", "/api/model-profiles", 201, "create a model profile on the fake model", body=body)
    check(bool(profile.get("id")), f"created model profile '{profile.get('name')}' on {FAKE_URL}", fatal=True)
    result, _ = call("POST", f"/api/model-profiles/{profile['id']}/test", 200, "test the model profile")
    check(result.get("ok") is True, "the profile's connection test reaches the fake model", str(result)[:300])
    return profile["id"]


def zip_folder(folder):
    """A zip of `folder` with the folder itself as the single top-level entry (as the import formats expect)."""
    buffer = io.BytesIO()
    base = os.path.dirname(folder.rstrip("/"))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for here, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(here, name)
                z.write(path, os.path.relpath(path, base))
    return buffer.getvalue()


def run_import(project, fmt, folder, file_name, expected):
    data = zip_folder(folder)
    created, _ = call("POST", f"/api/projects/{project}/imports?format={fmt}&fileName={file_name}", 202,
                      f"upload {file_name}", raw=data, content_type="application/zip")
    import_id = created["id"]
    info(f"uploaded {file_name} ({len(data) // 1024} KiB) as import {import_id}")

    def done():
        status, body, _ = request("GET", f"/api/imports/{import_id}")
        return body if status == 200 and body.get("status") in ("succeeded", "failed") else None

    result = wait_for(f"import {file_name}", done)
    if result is None:
        _, body, _ = request("GET", f"/api/imports/{import_id}")
        check(False, f"import of {file_name} finishes within {WAIT} s", f"still {body.get('status') if isinstance(body, dict) else body}", fatal=True)
    check(result["status"] == "succeeded", f"import of {file_name} succeeded",
          f"status {result['status']}, error: {result.get('error')}", fatal=True)
    got = {k: result.get(k) for k in expected}
    check(got == expected, f"import of {file_name} counts {expected}", f"got {got}; first failures {result.get('failures', [])[:3]}", fatal=True)


def problems_of(project):
    problems, _ = call("GET", f"/api/projects/{project}/problems", 200, "list the project's problems")
    return problems


def solutions_of(problem):
    items, path = [], f"/api/problems/{problem}/solutions?limit=100"
    while path:
        page, _ = call("GET", path, 200, "list a problem's solutions")
        items += page["items"]
        path = page.get("next")
    return items


def start_run(project, profile, workflow, problem_ids, samples):
    body = {"projectId": project, "problemIds": problem_ids, "workflow": workflow, "modelProfileId": profile, "samples": samples}
    run, headers = call("POST", "/api/grading-runs", 202, f"start a {workflow} run", body=body)
    check(run.get("workflow") == workflow, f"started the {workflow} run on {len(problem_ids)} problems, {samples} sample(s) each ({run['counts']['total'] or 'items not planned yet'})")
    return run["id"]


def get_run(run_id):
    run, _ = call("GET", f"/api/grading-runs/{run_id}", 200, "read a run")
    return run


def counts(run):
    c = run["counts"]
    return f"{run['status']}: {c['graded']} graded, {c['pending']} pending, {c['running']} running, {c['failed']} failed, {c['needsAttention']} need attention of {c['total']}"


def workers_from_host_pids():
    """Worker pids run.sh records in .local/hosts.pid that are alive and really run the Worker."""
    pids = []
    try:
        lines = open(HOST_PIDS).read().splitlines()
    except OSError:
        return pids
    for line in lines:
        parts = line.split(maxsplit=1)
        if len(parts) == 2 and parts[1].endswith(WORKER_DLL):
            pid = int(parts[0])
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if WORKER_DLL.encode() in f.read():
                        pids.append(pid)
            except OSError:
                pass
    return pids


def kill_a_worker_mid_run(run_ids, workers_expected):
    # In the middle: some solutions graded, some still open, in the run being watched.
    def midway():
        run = get_run(run_ids[0])
        c = run["counts"]
        if run["status"].lower() in FINISHED:
            return ("over", run)
        return ("now", run) if c["graded"] >= 2 and c["pending"] + c["running"] >= 4 else None

    moment = wait_for("the five-stage run to be under way", midway, interval=0.25)
    check(moment is not None and moment[0] == "now", "caught the five-stage run in the middle (some solutions graded, several open)",
          counts(moment[1]) if moment else "it never got going", fatal=True)
    workers = workers_from_host_pids()
    check(len(workers) == workers_expected, f"hosts.pid lists {workers_expected} live Workers", f"found {workers}", fatal=True)
    victim = workers[0]
    os.kill(victim, signal.SIGKILL)
    passed(f"SIGKILLed Worker pid {victim} while the run was {counts(moment[1])}")

    def restarted():
        now = workers_from_host_pids()
        return now if len(now) == workers_expected and victim not in now else None

    now = wait_for("run.sh to restart the Worker", restarted, timeout=60, interval=0.5)
    check(now is not None, f"run.sh started the killed Worker again ({workers_expected} Workers live, pids {now})",
          f"hosts.pid lists {workers_from_host_pids()}")
    if RUN_OUTPUT:
        # run.sh lists the new pid in hosts.pid a moment before it prints the restart, so the output is waited for too.
        def printed():
            text = open(RUN_OUTPUT, errors="replace").read()
            return text if "exited unexpectedly (exit 137)" in text and "restarted worker-" in text else None

        check(wait_for("run.sh to print the restart", printed, timeout=15, interval=0.25) is not None,
              "run.sh printed the Worker's death (exit 137) and its restart")


def wait_runs(run_ids, what):
    def finished():
        runs = [get_run(r) for r in run_ids]
        return runs if all(r["status"].lower() in FINISHED for r in runs) else None

    runs = wait_for(what, finished, interval=2)
    if runs is None:
        runs = [get_run(r) for r in run_ids]
        for r in runs:
            failed(f"{r['workflow']} run completes within {WAIT} s ({counts(r)})")
        raise Stop(what)
    for r in runs:
        c = r["counts"]
        check(r["status"].lower() == "completed" and c["graded"] == c["total"] and c["total"] > 0,
              f"{r['workflow']} run completed with every item graded ({counts(r)}, {r['calls']} calls)",
              f"failures: {r.get('failures', [])[:3]}; problems: {[(p['title'], p['status'], p['error']) for p in r.get('problems', []) if p['status'].lower() != 'ready']}")
    return runs


def check_graded_once(run, solutions, samples):
    """Each solution of the run has exactly one model grade from it, valid, with one succeeded grade call per sample."""
    wrong = []
    for s in solutions:
        grades, _ = call("GET", f"/api/solutions/{s['id']}/model-grades", 200, "read a solution's model grades")
        mine = [g for g in grades if g.get("runId") == run["id"]]
        if len(mine) != 1:
            wrong.append(f"{s['externalId']}: {len(mine)} grades")
            continue
        grade = mine[0]
        if grade["status"].lower() != "valid" or grade["points"] is None:
            wrong.append(f"{s['externalId']}: status {grade['status']} ({grade.get('statusReason')})")
            continue
        detail, _ = call("GET", f"/api/model-grades/{grade['id']}", 200, "read a model grade with its stage calls")
        grade_calls = [c for c in detail.get("stageCalls") or [] if c["stage"] == "grade" and c["status"].lower() == "succeeded"]
        sample_numbers = sorted(c["sample"] for c in grade_calls)
        if len(set(sample_numbers)) != samples or len(sample_numbers) != samples:
            wrong.append(f"{s['externalId']}: succeeded grade calls for samples {sample_numbers}")
    check(not wrong, f"{run['workflow']} run: each of its {len(solutions)} solutions has exactly one valid model grade "
          f"from it, made of exactly {samples} succeeded grading call(s)", "; ".join(wrong[:8]))


def export(project, solutions_by_id, runs):
    status, text, headers = request("GET", f"/api/projects/{project}/export?format=jsonl", timeout=300)
    check(status == 200 and "ndjson" in headers.get("Content-Type", ""), "JSONL export answers 200 application/x-ndjson",
          f"{status} {headers.get('Content-Type')}", fatal=True)
    lines = [line for line in text.split("\n") if line.strip()]
    try:
        records = [json.loads(line) for line in lines]
    except ValueError as e:
        check(False, "every export line is JSON", str(e), fatal=True)
    ids = [r["solution"]["id"] for r in records]
    check(len(records) == len(solutions_by_id) and set(ids) == set(solutions_by_id) and len(set(ids)) == len(ids),
          f"export has one record per solution ({len(records)} records, {len(solutions_by_id)} solutions, ids unique and equal)",
          f"{len(records)} records, {len(set(ids))} distinct ids")
    check(all(r.get("schemaVersion") == 2 and r.get("cursor") and r.get("projectId") == project for r in records),
          "every record has schemaVersion 2, a cursor and the project id")
    by_id = {r["solution"]["id"]: r for r in records}
    missing = []
    for run, solutions in runs:
        for s in solutions:
            grades = [g for g in by_id.get(s["id"], {}).get("modelGrades", []) if g.get("runId") == run["id"]]
            if len(grades) != 1 or str(grades[0].get("status")).lower() != "valid" or grades[0].get("points") is None:
                missing.append(f"{s['externalId']} ({run['workflow']}: {len(grades)})")
    check(not missing, "export records carry each run's one valid model grade for every graded solution", "; ".join(missing[:8]))
    opc = [r for r in records if r["problem"]["externalId"].startswith("BMOSL")]
    check(len(opc) == 370 and all(any(g["source"] == "opc-judge" and g["status"].lower() == "unscored" for g in r["modelGrades"]) for r in opc),
          "export keeps the imported Open Proof Corpus judgments (370 solutions, unscored opc-judge grades)")
    arena = [r for r in records if r["problem"]["externalId"].startswith("matharena-usamo-2025/")]
    check(len(arena) == 6 and all(len(r["humanGrades"]) == 1 and r["humanGrades"][0]["points"] == 7 for r in arena),
          "export keeps MathArena's sample gradings (6 solutions, one human grade of 7 each)")


def main():
    sign_in()
    profile = model_profile()
    project, _ = call("POST", "/api/projects", 201, "create a project",
                      body={"name": f"Newcomer smoke {time.strftime('%Y-%m-%d %H:%M:%S')}", "description": "Created by the smoke test.",
                            "maxPoints": 7})
    project = project["id"]
    passed(f"created project {project}")

    run_import(project, "matharena", os.path.join(CORPORA, "matharena-usamo-2025"), "matharena-usamo-2025.zip",
               {"processedRecords": 6, "created": 18, "failed": 0})
    run_import(project, "opc", os.path.join(CORPORA, "opc", "BMOSL"), "BMOSL.zip",
               {"processedRecords": 74, "created": 74 + 370 + 370, "failed": 0})
    problems = problems_of(project)
    check(len(problems) == 80, "the project lists 80 problems (6 MathArena + 74 BMOSL)", f"got {len(problems)}", fatal=True)

    # Five-stage on six BMOSL problems (five model-written attempts each), absolute with two samples on the MathArena
    # problems (their sample solutions) and three other BMOSL problems. Both share the profile's slots.
    bmosl = sorted((p for p in problems if (p.get("externalId") or "").startswith("BMOSL")), key=lambda p: p["externalId"])
    five_stage = bmosl[:6]
    absolute = [p for p in problems if (p.get("externalId") or "").startswith("matharena")] + bmosl[6:9]
    runs = [
        (start_run(project, profile, "five-stage", [p["id"] for p in five_stage], 1), five_stage, 1),
        (start_run(project, profile, "absolute", [p["id"] for p in absolute], 2), absolute, 2),
    ]
    kill_a_worker_mid_run([r for r, _, _ in runs], int(os.environ.get("SMOKE_WORKERS", "2")))
    finished = wait_runs([r for r, _, _ in runs], "both runs to finish")

    all_solutions = {}
    graded = []
    for p in problems:
        for s in solutions_of(p["id"]):
            all_solutions[s["id"]] = s
    for run, (_, chosen, samples) in zip(finished, runs):
        ids = {p["id"] for p in chosen}
        solutions = [s for s in all_solutions.values() if s["problemId"] in ids]
        check(run["counts"]["total"] == len(solutions), f"{run['workflow']} run planned one item per solution ({len(solutions)})",
              f"{run['counts']['total']} items")
        check_graded_once(run, solutions, samples)
        graded.append((run, solutions))

    export(project, all_solutions, graded)


if __name__ == "__main__":
    try:
        main()
    except Stop:
        pass
    except Exception as e:  # an unforeseen answer is a failed check, not a traceback without a FAIL line
        import traceback
        traceback.print_exc()
        failed(f"unexpected error: {type(e).__name__}: {e}")
    sys.exit(1 if failures else 0)
