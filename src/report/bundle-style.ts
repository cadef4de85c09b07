/** What the bundle view adds to the report's stylesheet (src/report/style.ts): layer chips, parts meters. */
export const BUNDLE_STYLE = `
#fig-ratio .v{color:#2d7a3e}
.cards{grid-template-columns:repeat(auto-fit,minmax(140px,1fr))}
.chips{display:flex;flex-wrap:wrap;gap:6px;list-style:none;margin:0;padding:0}
.chip{border-radius:6px;padding:3px 8px;font-size:12.5px;line-height:1.3;max-width:260px}
.chip b{font-weight:700;margin-right:2px}
.chip span{display:block;font-size:11.5px;opacity:.9}
td.layers-cell{min-width:420px}
#images tbody th{min-width:200px;overflow-wrap:anywhere}
.how{display:inline-block;border-radius:5px;padding:1px 7px;font-size:12.5px;font-weight:600;color:#1d2433}
td.bases code{display:block;white-space:nowrap;word-break:normal}
td.did code{white-space:nowrap;word-break:normal}
td.users{font-size:13px;min-width:140px}
td.how-cell{min-width:170px}
td.imgs code{display:inline-block;margin:0 6px 2px 0}
#site-states th code{font-weight:400}
td.meter{width:28%;min-width:120px;vertical-align:middle}
td.meter .btrack{height:14px}
th.meter-h{white-space:nowrap}
@media (max-width:640px){
  /* Per image and per site state, a card each instead of a row: the chips and image lists wrap in the width there is. */
  #images,#images tbody,#images tr,#images th,#images td,#site-states,#site-states tbody,#site-states tr,#site-states th,#site-states td{display:block;width:auto;min-width:0;text-align:left}
  #images thead,#site-states thead{display:none}
  #images caption,#site-states caption{display:block}
  #images tr,#site-states tr{border-bottom:1px solid var(--line);padding:8px 0}
  #images th,#images td,#site-states th,#site-states td{border:0;padding:2px 0}
  #images td.num::before{content:"in the bundle: ";color:var(--muted)}
  #site-states td.num::before{content:"images: ";color:var(--muted)}
  .chip{max-width:none}
}
`;
