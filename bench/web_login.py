#!/usr/bin/env python3
"""Signs in through the Web's real sign-in form (antiforgery token included) and prints the Cookie header value."""
import http.cookiejar, re, sys, urllib.parse, urllib.request

web, email, password = sys.argv[1], sys.argv[2], sys.argv[3]
jar = http.cookiejar.CookieJar()

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
page = opener.open(web + "/signin").read().decode()
token = re.search(r'name="__RequestVerificationToken"[^>]*value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="__RequestVerificationToken"', page)
if not token:
    sys.exit("no antiforgery token on the sign-in page")
form = urllib.parse.urlencode({
    "__RequestVerificationToken": token.group(1), "_handler": "signin",
    "Form.Email": email, "Form.Password": password, "Form.ReturnUrl": "/",
}).encode()
try:
    opener.open(urllib.request.Request(web + "/signin", data=form, method="POST"))
except urllib.error.HTTPError as e:
    if e.code not in (301, 302, 303):
        sys.exit(f"sign-in failed with HTTP {e.code}")
cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
if "gp.session" not in cookies:
    sys.exit("sign-in did not set a session cookie")
print(cookies)
