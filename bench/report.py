"""Print bench-out/cutout.json as the Markdown table of docs/BENCHMARKS.md."""

import json
import sys
from pathlib import Path

data = json.loads((Path(__file__).resolve().parents[1] / "bench-out" / "cutout.json").read_text())
print("| model | threads | xuancai ms | rembg ms | rembg + decontaminate ms | speed-up vs rembg | vs rembg + decontaminate |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for r in data["rows"]:
    print(f"| {r['model']} | {r['threads']} | {r['xuancai']['total_ms']:.0f} | {r['rembg']['total_ms']:.0f} | "
          f"{r['rembg_decontaminate']['total_ms']:.0f} | **{r['speedup']:.2f}×** | {r['speedup_vs_decontaminate']:.2f}× |")
print()
print("| model | threads | decode | prepare | mask (model) | refine + despill | compose | PNG encode | rembg's predict (model + its resizes) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for r in data["rows"]:
    s = r["xuancai"]["stages"]
    print(f"| {r['model']} | {r['threads']} | {s['decode_ms']:.0f} | {s['prepare_ms']:.0f} | {s['mask_ms']:.0f} | "
          f"{s['refine_ms']:.0f} | {s['compose_ms']:.0f} | {s['encode_ms']:.0f} | {r['rembg']['stages']['mask_ms']:.0f} |")
print()
for m, v in data.get("peak_rss_24mp_mb", {}).items():
    if isinstance(v, dict):
        print(f"- 24 MP, `{m}`, 1 thread: peak RSS {v['min']:.0f}–{v['max']:.0f} MiB over {len(v['runs'])} runs")
    else:
        print(f"- 24 MP, `{m}`: peak RSS {v:.0f} MiB")
sys.exit(0)
