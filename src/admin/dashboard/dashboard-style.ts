/** The dashboard's style sheet, served as /dashboard/app.css (the page allows no inline style). */
export const DASHBOARD_STYLE = String.raw`
:root { color-scheme: light dark; --line: #8884; --muted: #888; --bar: #3b82f6; --warn: #f59e0b; --bad: #ef4444; --good: #16a34a; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5rem 2rem; }
header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; border-bottom: 1px solid var(--line); padding: .75rem 0; }
h1 { font-size: 1.25rem; margin: 0; }
h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
nav a { margin-right: .75rem; }
nav a[aria-current="page"] { font-weight: 600; text-decoration: none; }
.muted { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .75rem; margin-top: 1rem; }
.card { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; }
.card b { display: block; font-size: 1.3rem; }
.meter { height: .5rem; background: var(--line); border-radius: .25rem; overflow: hidden; margin-top: .4rem; }
.meter > div { height: 100%; background: var(--bar); width: 0; }
.meter.warn > div { background: var(--warn); }
.meter.bad > div { background: var(--bad); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(26rem, 1fr)); gap: .75rem; margin-top: 1rem; }
.chart { border: 1px solid var(--line); border-radius: .5rem; padding: .5rem; min-height: 14rem; }
.chart h3 { font-size: .9rem; margin: 0 0 .25rem; font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .6rem .25rem 0; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; vertical-align: top; }
th { font-weight: 600; }
.num { text-align: right; }
#status.error, .error { color: var(--bad); }
.ok { color: var(--good); }
form { margin-top: .75rem; display: flex; gap: .5rem; flex-wrap: wrap; align-items: end; }
form label { display: flex; flex-direction: column; font-size: .8rem; gap: .15rem; }
input, select, button { font: inherit; }
input[type="number"] { width: 7rem; }
button.link { background: none; border: none; color: LinkText; cursor: pointer; padding: 0; text-decoration: underline; }
pre { margin: 0; white-space: pre-wrap; word-break: break-all; font: 12px/1.35 ui-monospace, monospace; max-height: 20rem; overflow: auto; }
.kind { font-size: .7rem; color: var(--muted); text-transform: uppercase; }
.headers { font: 12px ui-monospace, monospace; }
#records tr.new { animation: flash 1.5s ease-out; }
@keyframes flash { from { background: #3b82f633; } to { background: transparent; } }
[hidden] { display: none !important; }
`;
