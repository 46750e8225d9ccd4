// Prints a larger class for PUT .../submissions: `node examples/make-class.js 1000`.
// Each answer joins sentences of two students of examples/class.json and a random survey card
// number, so the texts are new on every run: the embedding cache cannot answer them, and a run
// lasts long enough (tens of seconds with the default model) to watch it or cancel it.
const { submissions } = require('./class.json');

const count = Number(process.argv[2] ?? 1000);
if (!Number.isInteger(count) || count < 2 || count > 5000) {
  console.error('usage: node examples/make-class.js [students, 2 to 5000]');
  process.exit(1);
}
const sentences = submissions.map((s) => s.text.split(/(?<=[.!?])\s+/));
const pick = (list) => list[Math.floor(Math.random() * list.length)];
const students = Array.from({ length: count }, (_, i) => {
  const own = pick(sentences);
  const borrowed = pick(sentences.filter((s) => s !== own));
  const card = Math.floor(Math.random() * 1e9);
  return {
    name: `student${i + 1}@school.edu`,
    text: `${own.join(' ')} ${pick(borrowed)} (survey card ${card})`,
  };
});
console.log(JSON.stringify({ submissions: students }));
