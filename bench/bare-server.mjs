// The reference: a bare node:http server that reads the body and answers 204. With `json` it answers
// 200 with a small JSON body (`{accepted, rejected}`, as Tally answers a batch with a rejected event,
// and as it answered every batch before it answered 204), to show what such an answer alone costs.
import { createServer } from 'node:http';

const json = process.argv[2] === 'json' ? JSON.stringify({ accepted: 1, rejected: [] }) : null;
const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    if (json === null) {
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(json),
    });
    res.end(json);
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
