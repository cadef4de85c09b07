/** The report's stylesheet: system fonts only, reflows down to a phone, prints in light colours. */
export const STYLE = `
:root{--ink:#1d2433;--muted:#5b6576;--line:#e3e7ee;--bg:#f6f7f9;--card:#fff;--accent:#2f5f98}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header,main,footer{max-width:1120px;margin:0 auto;padding:0 20px}
header{padding-top:28px;padding-bottom:6px}
.eyebrow{margin:0;color:var(--accent);font-weight:600;letter-spacing:.08em;text-transform:uppercase;font-size:12px}
h1{margin:4px 0 2px;font-size:28px;line-height:1.2;word-break:break-all}
h2{font-size:20px;margin:0 0 14px}
h3{font-size:14px;margin:8px 0 6px;color:var(--muted)}
.sub{margin:0;color:var(--muted)}
code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
small{color:var(--muted);font-size:12px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px;margin:18px 0;break-inside:avoid-page}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;background:none;border:0;padding:0}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.card .k{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
.card .v{font-size:24px;font-weight:650;margin:2px 0;font-variant-numeric:tabular-nums}
.card .n{font-size:12px;color:var(--muted)}
#fig-reclaimable .v{color:#b3263a}
figure.chart{margin:0 0 22px}
figcaption{font-weight:600;margin-bottom:10px}
.stack{display:flex;height:34px;border-radius:6px;overflow:hidden;background:#eef1f5}
.stack .seg{display:flex;align-items:center;justify-content:center;font-size:12px;font-weight:600;min-width:1px;border-right:1px solid #fff}
.stack .seg:last-child{border-right:0}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;list-style:none;padding:0;margin:10px 0 0;font-size:13px;color:var(--muted)}
.legend i{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:6px;vertical-align:-1px}
.legend b{color:var(--ink);font-weight:600}
.bars{display:grid;gap:8px}
.brow{display:grid;grid-template-columns:minmax(150px,230px) 1fr;gap:12px;align-items:center}
.blabel{font-size:14px;font-weight:600;line-height:1.25}
.blabel small{display:block;font-weight:400}
.btrack{background:#eef1f5;border-radius:5px;height:22px;overflow:hidden}
.bar{display:flex;height:100%;min-width:2px}
.bar .seg{height:100%}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:7px;vertical-align:0}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:0 0 14px}
table{border-collapse:collapse;width:100%;font-size:14px}
caption{text-align:left;color:var(--muted);font-size:13px;padding:0 0 8px}
th,td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);border-bottom:2px solid var(--line);white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.num small{display:block}
td.cmd{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#2c3446;min-width:220px;word-break:break-word}
td.lay{white-space:nowrap}
td.when{white-space:nowrap;font-size:13px;color:var(--muted)}
tr.empty td{color:var(--muted)}
#layers tbody th{white-space:nowrap}
.ident th{width:150px;white-space:nowrap;font-weight:600}
.ident tbody.ident-layer th[colspan]{background:#f3f5f8;padding-top:10px}
.note{color:var(--muted);font-size:13px}
.ok{color:#2d7a3e;font-weight:600}
.mapwrap{border:1px solid var(--line);border-radius:6px;overflow:hidden;background:#fff}
.mapwrap svg{display:block;width:100%;height:auto}
svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;pointer-events:none}
svg text.sz{opacity:.85;font-size:10px}
svg .dirbox{fill:#f1f3f6;stroke:#fff;stroke-width:1.5}
svg .dirlabel{fill:#3a4354;font-weight:600}
svg .leaf rect{stroke:#fff;stroke-width:.75}
details{border-top:1px solid var(--line);padding:8px 0}
details:first-of-type{border-top:0}
summary{cursor:pointer;font-weight:600}
.two{display:grid;grid-template-columns:1fr 1fr;gap:18px}
ol{margin:0;padding-left:22px}
ol li{margin:2px 0}
ol .num{display:inline-block;min-width:70px;font-variant-numeric:tabular-nums}
dl.defs dt{font-weight:650;margin-top:8px}
dl.defs dd{margin:2px 0 0;color:#3a4354}
footer{color:var(--muted);font-size:12px;padding:4px 20px 40px}
@media (max-width:640px){
  body{font-size:14px}
  header,main,footer{padding:0 12px}
  h1{font-size:22px}
  section{padding:14px;border-radius:8px}
  .brow{grid-template-columns:1fr;gap:4px}
  .two{grid-template-columns:1fr}
  .card .v{font-size:20px}
}
@media print{
  body{background:#fff;font-size:11pt}
  section,.card{border-color:#ccc;break-inside:avoid}
  section{padding:10px 0;border:0;border-top:1px solid #ccc;border-radius:0}
  .scroll{overflow:visible}
  table{font-size:9pt}
  th,td{padding:4px 6px}
  td.cmd,code{min-width:0;word-break:break-all}
  details>*{display:block}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;
