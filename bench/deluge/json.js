// JSON encode and decode of nested maps: 2,000 records, 10 round trips.
const n = 2000;
const iter = ",".repeat(n - 1).split(",");
const records = [];
for (let i = 0; i < iter.length; i++) {
  records.push({id: i, name: "Customer " + i, email: "user" + i + "@example.com",
                active: i % 2 === 0, score: i * 1.5, tags: ["alpha", "beta", "gamma"],
                address: {city: "Chennai", zip: 600000 + i}});
}
const doc = {records, count: n};
const rounds = ",".repeat(9).split(",");
let total = 0;
for (const r of rounds) {
  const text = JSON.stringify(doc);
  const back = JSON.parse(text);
  total += back.records.length;
}
console.log(total);
