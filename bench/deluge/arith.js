// Arithmetic in a loop: 10,000,000 iterations of a small expression, over the same two
// iteration lists the Deluge version builds.
const outer = ",".repeat(9999).split(",");
const inner = ",".repeat(999).split(",");
let sum = 0;
for (let j = 0; j < outer.length; j++) {
  for (let i = 0; i < inner.length; i++) {
    sum = (sum + i * 7 % 13 + j) % 1000003;
  }
}
console.log(sum);
