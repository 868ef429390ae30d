// IndexedDB: the guest list, local check-ins, the offline queue and reported conflicts.
// Everything survives a reload, so no scan taken offline is lost.
const DB_NAME = "pif-door";
let dbPromise = null;

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("kv");
        db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return dbPromise;
}

async function run(storeName, mode, action) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const result = action(tx.objectStore(storeName));
    tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const kvGet = (key) => run("kv", "readonly", (s) => s.get(key));
export const kvSet = (key, value) => run("kv", "readwrite", (s) => s.put(value, key));
export const kvDelete = (key) => run("kv", "readwrite", (s) => s.delete(key));

export const queueAdd = (item) => run("queue", "readwrite", (s) => s.add(item));
export const queueDelete = (seq) => run("queue", "readwrite", (s) => s.delete(seq));

export async function queueAll(slug) {
  const items = await run("queue", "readonly", (s) => s.getAll());
  return (items || []).filter((i) => i.slug === slug).sort((a, b) => a.seq - b.seq);
}
