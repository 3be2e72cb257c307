/* voicecoach share page: service worker (written beside index.html by `voicecoach share`).
   On install it caches the page, the audio, the captions and the icons, so the session
   plays with the network off. Audio is answered from the cache with byte ranges (206),
   which media elements ask for. One cache per folder (scope) and version. */
"use strict";
var VERSION = "$version";
var FILES = $files;
var PREFIX = "voicecoach " + self.registration.scope + " ";
var CACHE = PREFIX + VERSION;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(FILES.map(function (name) { return new Request(name, { cache: "reload" }); }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf(PREFIX) === 0 && key !== CACHE;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.href.indexOf(self.registration.scope) !== 0) { return; }
  var key = url.pathname.slice(-1) === "/" ? new URL("index.html", url).href : url.href.split("#")[0];
  event.respondWith(
    caches.open(CACHE).then(function (cache) {
      return cache.match(key, { ignoreSearch: true });
    }).then(function (hit) {
      if (!hit) { return fetch(request); }
      var range = request.headers.get("range");
      return range ? partial(hit, range) : hit;
    })
  );
});

/* A 206 answer for "Range: bytes=a-b" (or a 416 when it starts past the end). */
function partial(response, range) {
  return response.blob().then(function (body) {
    var size = body.size;
    var match = /^bytes=(\d*)-(\d*)$$/.exec(range.trim());
    var start = 0;
    var end = size - 1;
    if (match && match[1] !== "") {
      start = Number(match[1]);
      if (match[2] !== "") { end = Math.min(Number(match[2]), size - 1); }
    } else if (match && match[2] !== "") {
      start = Math.max(0, size - Number(match[2]));
    }
    if (!match || start >= size || start > end) {
      return new Response(null, { status: 416, headers: { "Content-Range": "bytes */" + size } });
    }
    return new Response(body.slice(start, end + 1), {
      status: 206,
      headers: {
        "Content-Type": response.headers.get("Content-Type") || "application/octet-stream",
        "Content-Range": "bytes " + start + "-" + end + "/" + size,
        "Content-Length": String(end - start + 1),
        "Accept-Ranges": "bytes"
      }
    });
  });
}
