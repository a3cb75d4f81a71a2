// List sorting: 300,000 pseudo-random whole numbers (the MINSTD generator).
const n = 300000;
const iter = ",".repeat(n - 1).split(",");
let seed = 12345;
const l = [];
for (let i = 0; i < iter.length; i++) {
  seed = seed * 48271 % 2147483647;
  l.push(seed);
}
const sorted = l.slice().sort((a, b) => a - b);
console.log(sorted[0] + " " + sorted[n - 1] + " " + sorted.length);
