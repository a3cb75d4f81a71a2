// Text building: append 300,000 pieces to one text.
const n = 300000;
const iter = ",".repeat(n - 1).split(",");
let s = "";
for (let i = 0; i < iter.length; i++) s = s + "item" + i + ";";
console.log(s.length);
