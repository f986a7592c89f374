// The import page's uploads. Files go from the browser straight to the Web's upload endpoint, which streams them on
// to the Api; the circuit only starts each upload and hears how far it got. XMLHttpRequest rather than fetch because
// only it reports upload progress.

/** The names of the files chosen in the input, in order. */
export function chosenFiles(input) {
  return Array.from(input?.files ?? [], file => file.name);
}

/**
 * Posts the index-th chosen file with the format; resolves with the answer's status and body (status 0 when no answer
 * came). The antiforgery token is the one the document was served with.
 */
export function upload(input, index, url, format, progress) {
  const file = input.files[index];
  const token = document.querySelector('meta[name="gp-antiforgery"]')?.content ?? '';
  return new Promise(resolve => {
    // The format goes before the file: the endpoint reads the fields first, then sends the file on as it arrives.
    const form = new FormData();
    form.append('format', format);
    form.append('file', file, file.name);
    const request = new XMLHttpRequest();
    request.open('POST', url);
    request.setRequestHeader('RequestVerificationToken', token);
    let last = 0;
    request.upload.onprogress = event => {
      const now = Date.now();
      if (now - last >= 250 || event.loaded === event.total) {
        last = now;
        progress.invokeMethodAsync('UploadProgress', event.loaded, event.total).catch(() => {});
      }
    };
    request.onload = () => {
      // An ended session is sent to the sign-in page, which the request follows: report it as what it is.
      const signedOut = request.responseURL && new URL(request.responseURL).pathname === '/signin';
      resolve({ status: signedOut ? 401 : request.status, body: signedOut ? '' : request.responseText });
    };
    request.onerror = () => resolve({ status: 0, body: '' });
    request.onabort = () => resolve({ status: 0, body: '' });
    request.send(form);
  });
}
