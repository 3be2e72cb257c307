/* voicecoach share page: keep the session on the phone where no service worker can.
   Over https (or localhost) sw.js caches everything. A plain-http address on the local
   network (a hand-over: http://192.168.x.y:port/...) is not a secure context, so phones
   give it no service worker and no Cache Storage; IndexedDB works there. This keeps the
   audio in IndexedDB and plays it from there, so the session goes on without signal while
   the page stays open, and offers the MP3 as a download to keep for good. */
(function () {
  "use strict";
  var audio = document.getElementById("audio");
  var status = document.getElementById("offline");
  if (!audio || !status || !/^https?:$/.test(location.protocol)) { return; }
  if (window.isSecureContext && "serviceWorker" in navigator) { return; }
  var name = audio.getAttribute("src");
  var key = location.pathname.replace(/[^/]*$/, "") + name;
  var saved = document.createElement("a");
  saved.href = name;
  saved.setAttribute("download", name);
  saved.id = "save-audio";
  saved.textContent = "Save the MP3";

  function say(text) {
    status.textContent = text + " ";
    status.appendChild(saved);
  }

  function use(blob) {
    var url = URL.createObjectURL(blob);
    var swap = function () {
      var at = audio.currentTime;
      audio.src = url;
      if (at > 0) {
        audio.addEventListener("loadedmetadata", function () { audio.currentTime = at; },
                               { once: true });
      }
    };
    if (audio.paused) { swap(); } else { audio.addEventListener("pause", swap, { once: true }); }
    document.documentElement.setAttribute("data-kept", "indexeddb");
    say("Kept on this phone: it plays without signal while this page stays open.");
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("voicecoach", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("audio"); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(db, mode, fn) {
    return new Promise(function (resolve, reject) {
      var tx = db.transaction("audio", mode);
      var request = fn(tx.objectStore("audio"));
      tx.oncomplete = function () { resolve(request.result); };
      tx.onerror = tx.onabort = function () { reject(tx.error); };
    });
  }

  say("Keeping the session on this phone…");
  if (!window.indexedDB || !window.fetch) {
    say("This browser cannot keep the session: save the MP3 to listen without signal.");
    return;
  }
  var db;
  open().then(function (opened) {
    db = opened;
    return run(db, "readonly", function (store) { return store.get(key); });
  }).then(function (blob) {
    if (blob) { return blob; }
    return fetch(name).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.blob();
    }).then(function (fetched) {
      return run(db, "readwrite", function (store) { return store.put(fetched, key); })
        .then(function () { return fetched; });
    });
  }).then(function (blob) {
    if (navigator.storage && navigator.storage.persist) { navigator.storage.persist(); }
    use(blob);
  }).catch(function () {
    say("Could not keep the session on this phone: save the MP3 to listen without signal.");
  });
})();
