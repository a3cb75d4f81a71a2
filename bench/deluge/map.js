// A map of 100,000 text keys: insert, then look every key up.
const n = 100000;
const iter = ",".repeat(n - 1).split(",");
const m = new Map();
for (let i = 0; i < iter.length; i++) m.set("key" + i, i);
let total = 0;
for (let i = 0; i < iter.length; i++) total += m.get("key" + i);
console.log(m.size + " " + total);
