// Run @postlight/mercury-parser's hand-written, site-specific extractors (fallback off: no
// generic guessing) on saved pages. argv[2] = the package folder, with its dependencies
// installed; stdin = JSON list of {url, file}; stdout = JSON list of {file, title, content, date_published, author}.
const path = require('path');
const fs = require('fs');
const Mercury = require(path.join(process.argv[2], 'dist', 'mercury.js'));
(async () => {
  const pages = JSON.parse(fs.readFileSync(0, 'utf8'));
  const out = [];
  for (const page of pages) {
    const html = fs.readFileSync(page.file);
    try {
      const result = await Mercury.parse(page.url, html, { fallback: false, fetchAllPages: false });
      out.push({
        file: page.file,
        title: result.title || null,
        content: result.content || '',
        date_published: result.date_published || null,
        author: result.author || null,
      });
    } catch (err) {
      out.push({ file: page.file, error: String(err) });
    }
  }
  process.stdout.write(JSON.stringify(out));
})();
