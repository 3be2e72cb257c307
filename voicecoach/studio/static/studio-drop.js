// voicecoach studio: check-in files dropped on the editor's window are imported too; the
// status line says what happened and the Clients view shows them.
import { acceptDrops, describe } from "./drop.js";

acceptDrops((results) => {
  const status = document.getElementById("status");
  status.textContent = results.map(describe).join("; ") + " — see Clients";
});
