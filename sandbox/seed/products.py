"""The product assortment: families of real distributor items, expanded into ~400 sellable variants.

A family is (base name, velocity, unit cost, variants, options). Velocity F/M/S (fast/medium/slow mover)
drives demand, reorder rules and the stockout/excess story. Options: `uom` (stock UoM key), `po` (purchase
UoM key), `lot` (lot-tracked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Family = tuple[str, str, float, tuple[str, ...], dict[str, str]]

NO: dict[str, str] = {}
LOT = {"lot": "1"}
DOZ = {"po": "Dozens"}


def _f(name: str, vel: str, cost: float, variants: str = "", **opts: str) -> Family:
    return (name, vel, cost, tuple(v.strip() for v in variants.split(";") if v.strip()), dict(opts))


FAMILIES: dict[str, list[Family]] = {
    "PPE": [
        _f("Safety Boots, Steel Toe, Waterproof", "M", 62.0, "Size 9; Size 10; Size 11; Size 12"),
        _f("Winter Liner for Hard Hat", "S", 6.8),
        _f("Disposable Shoe Covers, Non-Skid", "F", 16.0, "Case of 300"),
        _f("Bouffant Cap 21 in, Blue", "F", 9.0, "Case of 1000"),
        _f("Fall Protection Harness, Full Body", "S", 79.0, "Universal; XL"),
        _f("Shock-Absorbing Lanyard 6 ft", "S", 42.0),
        _f("Knee Pads, Gel", "M", 14.0, "Pair"),
        _f("Cooling Towel, Evaporative", "M", 3.2, "", po="Dozens"),
        _f("Nitrile Exam Gloves, Powder-Free", "F", 7.8,
           "Size M (Box of 100); Size S (Box of 100); Size L (Box of 100); Size XL (Box of 100)"),
        _f("Vinyl General-Purpose Gloves", "F", 4.2, "Size M (Box of 100); Size L (Box of 100)"),
        _f("Cut-Resistant Gloves ANSI A4", "M", 6.9, "Size M (Pair); Size L (Pair); Size XL (Pair)"),
        _f("N95 Respirator, NIOSH Approved", "F", 18.5, "Box of 20; Box of 20, Small"),
        _f("Half-Face Respirator with P100 Filters", "S", 32.0, "Medium; Large"),
        _f("Safety Glasses, Anti-Fog", "F", 2.1, "Clear Lens; Smoke Lens; Amber Lens"),
        _f("Hard Hat, Type I, Ratchet Suspension", "M", 9.8, "White; Yellow; Blue"),
        _f("Hi-Vis Safety Vest, Class 2", "M", 4.5, "Size M; Size L; Size XL; Size 2XL"),
        _f("Foam Earplugs, NRR 32", "F", 11.0, "Corded (Box of 100); Uncorded (Box of 200)"),
        _f("Disposable Coveralls with Hood", "M", 5.9, "Size L; Size XL; Size 2XL"),
        _f("Face Shield, Anti-Fog, Full Length", "S", 3.4),
        _f("Chemical-Resistant Apron, PVC 35 in", "S", 8.2),
        _f("Leather Work Gloves, Cowhide", "M", 5.4, "Size L (Pair); Size XL (Pair)", po="Dozens"),
        _f("Welding Helmet, Auto-Darkening", "S", 54.0),
    ],
    "MED": [
        _f("Exam Gloves, Latex, Powder-Free", "M", 6.9, "Size M (Box of 100); Size L (Box of 100)"),
        _f("Medical Tape, Transparent 1 in", "F", 8.4, "Box of 12"),
        _f("Non-Adherent Pads 3 x 4 in", "M", 13.0, "Box of 100"),
        _f("Hypodermic Needle", "M", 9.0, "25G x 1 in (Box of 100); 18G x 1-1/2 in (Box of 100)"),
        _f("Underpads 23 x 36 in, Heavy Absorbency", "F", 29.0, "Case of 150"),
        _f("Patient Wristbands, Adult", "M", 21.0, "Box of 500"),
        _f("Hot/Cold Pack, Instant", "M", 18.0, "Case of 24"),
        _f("Biohazard Bags 24 x 24 in, Red", "M", 26.0, "Case of 250"),
        _f("Glucose Test Strips", "F", 32.0, "Box of 50", lot="1"),
        _f("Lancets, Safety 28G", "F", 11.0, "Box of 100"),
        _f("Sterile Gauze Pads", "F", 6.2, "4 x 4 in (Pack of 100); 2 x 2 in (Pack of 100); 3 x 3 in (Pack of 100)"),
        _f("Adhesive Bandages, Fabric", "F", 3.9, "1 x 3 in (Box of 100); Assorted (Box of 100)"),
        _f("Alcohol Prep Pads, Medium", "F", 2.8, "Box of 200"),
        _f("Disposable Syringe with Needle", "M", 14.0,
           "3 mL 23G (Box of 100); 5 mL 22G (Box of 100); 10 mL 21G (Box of 100)"),
        _f("Exam Table Paper, Crepe 21 in x 125 ft", "M", 38.0, "Case of 12"),
        _f("Isolation Gown, AAMI Level 2", "F", 42.0, "Universal (Case of 50); XL (Case of 50)"),
        _f("Surgical Mask, ASTM Level 3, Ear Loop", "F", 7.5, "Box of 50"),
        _f("Thermometer Probe Covers", "M", 12.0, "Box of 200"),
        _f("Sharps Container", "M", 4.0, "1 qt; 2 gal; 5 gal"),
        _f("Blood Pressure Cuff, Adult Reusable", "S", 16.0),
        _f("Pulse Oximeter, Fingertip", "S", 21.0),
        _f("Elastic Bandage Roll", "M", 9.0, "3 in (Box of 10); 4 in (Box of 10); 6 in (Box of 10)"),
        _f("Specimen Collection Cup 4 oz, Sterile", "M", 19.0, "Case of 100"),
        _f("Povidone-Iodine Swabsticks", "M", 11.5, "Box of 50", lot="1"),
        _f("Saline Flush Syringe 10 mL", "F", 17.0, "Box of 30", lot="1"),
        _f("Nasopharyngeal Swab, Flocked", "M", 23.0, "Box of 100", lot="1"),
        _f("Tongue Depressor, Non-Sterile", "M", 4.1, "Box of 500"),
        _f("Cotton-Tipped Applicator 6 in", "M", 3.6, "Box of 1000"),
    ],
    "CCP": [
        _f("Pneumococcal Conjugate Vaccine", "M", 1020.0, "Prefilled Syringe (Pack of 10)", lot="1"),
        _f("Shingles Vaccine, Recombinant", "S", 1480.0, "Single-Dose Vial (Pack of 10)", lot="1"),
        _f("COVID-19 Vaccine 2025-2026 Formula", "M", 640.0, "Single-Dose Syringe (Pack of 10)", lot="1"),
        _f("Vaccine Refrigerator Thermometer, Min/Max", "M", 18.0),
        _f("Cold Chain Phase-Change Panel 5 °C", "M", 14.0, "Case of 8"),
        _f("Influenza Vaccine, Quadrivalent", "F", 118.0, "10-Dose Vial; Prefilled Syringe (Pack of 10)", lot="1"),
        _f("Insulin Glargine 100 U/mL", "M", 96.0, "10 mL Vial; Pen (Pack of 5)", lot="1"),
        _f("Tetanus-Diphtheria (Td) Vaccine", "M", 210.0, "Single-Dose Vial (Pack of 10)", lot="1"),
        _f("Hepatitis B Vaccine, Adult", "S", 480.0, "Single-Dose Vial (Pack of 10)", lot="1"),
        _f("Tuberculin PPD Solution 5 TU/0.1 mL", "M", 72.0, "1 mL Vial; 5 mL Vial", lot="1"),
        _f("Ondansetron Injection 2 mg/mL", "S", 38.0, "2 mL Vial (Pack of 25)", lot="1"),
        _f("Epinephrine Auto-Injector 0.3 mg", "S", 260.0, "Pack of 2", lot="1"),
        _f("Heparin Lock Flush 100 U/mL", "M", 44.0, "5 mL (Pack of 50)", lot="1"),
        _f("Insulated Vaccine Shipper, 2-8 °C", "M", 27.0, "48 h; 96 h"),
        _f("Gel Ice Pack, Refrigerated", "F", 19.0, "Case of 24"),
        _f("Digital Data Logger, 2-8 °C with Glycol Probe", "S", 64.0),
        _f("Vaccine Storage Bins, Ventilated", "S", 22.0, "Set of 6"),
    ],
    "JAN": [
        _f("Toilet Bowl Cleaner, Acid-Free 32 oz", "M", 27.0, "Case of 12"),
        _f("Urinal Screen, Deodorizing", "F", 19.0, "Box of 10"),
        _f("Center-Pull Paper Towel Roll", "F", 34.0, "Case of 6"),
        _f("Dust Mop Head 24 in", "S", 11.0, "", po="Dozens"),
        _f("Air Freshener, Metered Aerosol", "M", 44.0, "Case of 12"),
        _f("Sanitizing Spray, Quat-Based 32 oz", "F", 29.0, "Case of 12"),
        _f("Nitrile Cleaning Gloves, Reusable", "M", 2.4, "Medium; Large", po="Dozens"),
        _f("Squeegee, Floor 24 in", "S", 17.0),
        _f("Scrub Sponge, Heavy Duty", "F", 12.0, "Pack of 20"),
        _f("Hand Towel Roll, Hardwound 8 in x 800 ft", "F", 38.0, "Case of 6"),
        _f("Trash Can Liners", "F", 24.0,
           "40-45 gal, 1.5 mil Black (Case of 100); 7-10 gal Clear (Case of 500); 12-16 gal Clear (Case of 500); "
           "33 gal Black (Case of 150); 55-60 gal Black (Case of 100)"),
        _f("Multifold Paper Towels, White", "F", 24.0, "Case of 4000"),
        _f("Bath Tissue, 2-Ply", "F", 42.0, "Case of 80 Rolls"),
        _f("Foaming Hand Soap Refill 1,200 mL", "F", 31.0, "Case of 2"),
        _f("Hand Sanitizer Gel 70%", "F", 28.0, "8 oz Pump (Case of 12); 1,000 mL Refill (Case of 6)"),
        _f("Disinfectant Wipes", "F", 4.8, "Canister of 80; Canister of 160"),
        _f("Microfiber Cleaning Cloths 16 x 16 in", "M", 14.0, "Pack of 24"),
        _f("Wet Mop Head, Looped-End", "M", 6.5, "Medium; Large", po="Dozens"),
        _f("Floor Cleaner Concentrate, Neutral pH", "M", 36.0, "1 gal (Case of 4)"),
        _f("Glass Cleaner, Ready-to-Use 32 oz", "M", 22.0, "Case of 12"),
        _f("Commercial Mop Bucket with Wringer 35 qt", "S", 58.0),
        _f("Oil Absorbent Clay, Bulk", "S", 0.9, "", uom="kg"),
        _f("Wet Floor Sign, Bilingual", "S", 9.5),
    ],
    "PKG": [
        _f("Mailing Tube 3 x 24 in", "M", 31.0, "Case of 50"),
        _f("Anti-Static Bubble Bag 8 x 10 in", "M", 26.0, "Case of 250"),
        _f("Shipping Labels, Fragile", "M", 8.0, "Roll of 500"),
        _f("Pallet Shrink Hood, 54 x 44 x 96 in", "M", 57.0, "Roll of 50"),
        _f("Kraft Paper Tape, Water-Activated 3 in", "M", 48.0, "Case of 10"),
        _f("Padded Mailer #2, Kraft", "F", 36.0, "Case of 100"),
        _f("Gusseted Poly Bag 12 x 8 x 30 in", "M", 29.0, "Case of 500"),
        _f("Corrugated Shipping Box", "F", 22.0,
           "12 x 12 x 12 in (Bundle of 25); 8 x 6 x 4 in (Bundle of 25); 16 x 12 x 10 in (Bundle of 25); "
           "18 x 18 x 18 in (Bundle of 20); 24 x 18 x 18 in (Bundle of 15)"),
        _f("Packing Tape, Clear 2 in x 110 yd", "F", 52.0, "Case of 36"),
        _f("Stretch Wrap Film, 80 ga", "F", 64.0, "18 in x 1500 ft (Case of 4); 20 in x 1000 ft (Case of 4)"),
        _f("Bubble Cushioning Roll 3/16 in", "M", 29.0, "12 in x 175 ft; 24 in x 175 ft"),
        _f("Poly Mailer, Self-Seal", "F", 41.0, "10 x 13 in (Case of 500); 14.5 x 19 in (Case of 250)"),
        _f("Kraft Void-Fill Paper Roll 30 lb", "M", 47.0),
        _f("Packing List Envelope 5.5 x 10 in", "M", 24.0, "Box of 1000"),
        _f("Foam Corner Protectors", "S", 33.0, "Case of 200"),
        _f("Polypropylene Strapping 1/2 in x 7200 ft", "M", 39.0),
        _f("Tape Gun Dispenser 2 in", "S", 7.5, "", po="Dozens"),
        _f("Edge Board Protector 2 x 2 x 36 in", "M", 0.6, "Each"),
    ],
    "FST": [
        _f("Carriage Bolt, Zinc", "M", 16.0, "3/8-16 x 3 in (Box of 50); 1/2-13 x 4 in (Box of 25)"),
        _f("Wood Screw, Flat Head #8", "F", 11.0, "1-1/4 in (Box of 500); 2 in (Box of 500)"),
        _f("Drywall Screw, Coarse Thread 1-5/8 in", "F", 18.0, "Box of 1000"),
        _f("Toggle Bolt 1/4 in", "M", 14.0, "Box of 50"),
        _f("Split Lock Washer, Zinc", "F", 5.0, "3/8 in (Box of 100); 1/2 in (Box of 100)"),
        _f("PVC Pipe Fitting, Schedule 40 Elbow", "M", 0.8, "1/2 in; 3/4 in; 1 in", po="Dozens"),
        _f("Hex Cap Screw, Grade 5 Zinc", "F", 14.0,
           "1/2-13 x 2 in (Box of 50); 1/4-20 x 1 in (Box of 100); 3/8-16 x 1-1/2 in (Box of 100); "
           "5/8-11 x 3 in (Box of 25)"),
        _f("Hex Nut, Grade 5 Zinc", "F", 6.5, "1/4-20 (Box of 100); 3/8-16 (Box of 100); 1/2-13 (Box of 50)"),
        _f("Flat Washer, SAE Zinc", "F", 4.2, "1/4 in (Box of 100); 3/8 in (Box of 100); 1/2 in (Box of 100)"),
        _f("Concrete Wedge Anchor", "M", 19.0, "3/8 x 3 in (Box of 50); 1/2 x 4-1/4 in (Box of 25)"),
        _f("Self-Drilling Screw #10 x 3/4 in, Hex Washer Head", "F", 21.0, "Box of 500"),
        _f("Threaded Rod 3/8-16 x 6 ft, Zinc", "M", 5.8),
        _f("Stainless Hose Clamp", "M", 8.0, "#12 (Box of 10); #20 (Box of 10)"),
        _f("Brass Ball Valve, Full Port", "S", 14.0, "3/4 in NPT; 1 in NPT"),
        _f("Lag Screw, Hot-Dip Galvanized", "M", 17.0, "3/8 x 4 in (Box of 50); 1/2 x 6 in (Box of 25)"),
        _f("Nylon Insert Lock Nut", "M", 9.5, "3/8-16 (Box of 100); 1/2-13 (Box of 50)"),
        _f("Eye Bolt, Forged Steel 1/2 x 6 in", "S", 6.2),
        _f("Rivet, Aluminum 3/16 in", "M", 12.0, "Box of 500"),
    ],
    "ELE": [
        _f("GFCI Outlet 20 A, Tamper-Resistant", "M", 17.0),
        _f("Lithium Coin Battery CR2032", "F", 9.0, "Pack of 20"),
        _f("LED Corn Bulb 54 W, E39 Base", "M", 38.0),
        _f("Emergency Exit Sign, LED Combo", "S", 41.0),
        _f("Heat Shrink Tubing Kit", "M", 16.0, "Box of 160"),
        _f("Junction Box, Steel 4 in Square", "M", 2.1, "", po="Dozens"),
        _f("Flexible Conduit 1/2 in x 100 ft", "S", 64.0),
        _f("LED Tube T8 4 ft 18 W", "F", 42.0, "4000K (Case of 10); 3500K (Case of 10); 5000K (Case of 10)"),
        _f("LED High Bay 150 W 5000K", "M", 88.0),
        _f("LED Wall Pack 40 W", "S", 46.0),
        _f("Extension Cord 12/3 SJTW", "M", 24.0, "25 ft; 50 ft; 100 ft"),
        _f("THHN Copper Wire 12 AWG 500 ft", "M", 71.0, "Black; White; Green"),
        _f("Cable Ties 11 in, UV Black", "F", 5.5, "Bag of 100"),
        _f("Alkaline Batteries", "F", 13.0, "AA (Pack of 24); AAA (Pack of 24); 9V (Pack of 12)"),
        _f("Surge Protector Power Strip, 6-Outlet", "M", 12.0),
        _f("Duplex Receptacle 20 A, Commercial Grade", "M", 19.0, "Box of 10"),
        _f("Electrical Tape 3/4 in x 66 ft", "F", 8.0, "Pack of 10"),
        _f("Wire Connectors, Assorted", "M", 11.0, "Jar of 100"),
    ],
    "TOL": [
        _f("Hacksaw Blades 12 in, 24 TPI", "F", 14.0, "Pack of 10"),
        _f("Drill Bit Set, Cobalt 29-Piece", "M", 64.0),
        _f("Locking Pliers 10 in", "M", 12.0),
        _f("Cordless Angle Grinder 20 V, Tool Only", "S", 109.0),
        _f("Torpedo Level 9 in, Magnetic", "M", 9.0),
        _f("Caulk Gun, Dripless", "M", 8.0),
        _f("Wire Stripper/Cutter", "M", 13.0),
        _f("Hex Key Set, SAE/Metric", "M", 15.0),
        _f("Shop Vacuum 12 gal", "S", 98.0),
        _f("Cordless Drill/Driver 20 V with 2 Batteries", "M", 119.0),
        _f("Cordless Impact Driver 20 V Kit", "S", 139.0),
        _f("Utility Knife, Retractable", "F", 4.2, "", po="Dozens"),
        _f("Utility Blades", "F", 9.0, "Pack of 100"),
        _f("Adjustable Wrench", "M", 9.5, "8 in; 10 in; 12 in"),
        _f("Screwdriver Set, 10-Piece", "M", 18.0),
        _f("Tape Measure 25 ft", "F", 7.9),
        _f("Claw Hammer 16 oz, Fiberglass", "M", 11.0),
        _f("Socket Set 3/8 in Drive, 40-Piece", "S", 44.0),
        _f("Cut-Off Wheel 4-1/2 in", "F", 16.0, "Pack of 25"),
        _f("Flap Disc 4-1/2 in", "M", 13.0, "60 Grit (Pack of 10); 80 Grit (Pack of 10)"),
        _f("Hook-and-Loop Sanding Discs 5 in", "M", 15.0, "80 Grit (Pack of 50); 120 Grit (Pack of 50)"),
        _f("Bolt Cutter 24 in", "S", 29.0),
        _f("Pry Bar Set, 4-Piece", "S", 26.0),
    ],
    "CHM": [
        _f("Hydraulic Oil AW 32", "M", 74.0, "5 gal Pail"),
        _f("White Lithium Grease Aerosol 10 oz", "F", 39.0, "Case of 12"),
        _f("Denatured Alcohol", "M", 18.0, "1 gal (Case of 4)"),
        _f("Brake Parts Cleaner, Non-Chlorinated 14 oz", "F", 33.0, "Case of 12"),
        _f("Marking Paint, Inverted Tip", "M", 52.0, "Fluorescent Orange (Case of 12); White (Case of 12)"),
        _f("Citric Acid Descaler 1 gal", "S", 21.0),
        _f("Isopropyl Alcohol 99%", "F", 19.0, "1 gal; 5 gal Pail"),
        _f("Acetone, Technical Grade", "M", 17.0, "1 gal; 5 gal Pail"),
        _f("Sodium Hypochlorite 12.5%", "M", 34.0, "5 gal Pail"),
        _f("Muriatic Acid 31.45%", "M", 28.0, "1 gal (Case of 4)"),
        _f("Degreaser, Solvent-Based Aerosol 16 oz", "F", 41.0, "Case of 12"),
        _f("Mineral Spirits", "M", 15.0, "1 gal"),
        _f("Hydrogen Peroxide 35%", "S", 62.0, "5 gal Pail"),
        _f("Epoxy Adhesive, Two-Part 50 mL", "M", 24.0, "Pack of 6"),
        _f("Penetrating Oil Aerosol 11 oz", "F", 36.0, "Case of 12"),
        _f("Propane Cylinder 16.4 oz", "M", 48.0, "Case of 12"),
        _f("Propylene Glycol Antifreeze, Bulk", "S", 3.1, "", uom="L"),
        _f("Spill Kit, Hazmat 20 gal", "S", 89.0),
    ],
    "OFF": [
        _f("Binder Clips, Medium", "M", 4.2, "Box of 12"),
        _f("Stapler, Desktop Full Strip", "S", 11.0),
        _f("Staples, Standard 1/4 in", "M", 3.1, "Box of 5000"),
        _f("Clipboard, Letter, Hardboard", "M", 1.9, "", po="Dozens"),
        _f("Ink Cartridge, Thermal Label Printer", "M", 26.0),
        _f("Index Cards 3 x 5 in, Ruled", "M", 6.0, "Pack of 500"),
        _f("Monitor Arm, Single, Gas Spring", "S", 72.0),
        _f("Copy Paper 8.5 x 11 in, 20 lb, 92 Bright", "F", 43.0, "Case of 10 Reams"),
        _f("Copy Paper 8.5 x 14 in Legal, 20 lb", "M", 52.0, "Case of 10 Reams"),
        _f("Ballpoint Pens, Medium", "F", 3.2, "Black (Box of 12); Blue (Box of 12)"),
        _f("Sticky Notes 3 x 3 in, Yellow", "M", 9.0, "Pack of 12"),
        _f("File Folders, Letter 1/3 Cut", "M", 11.0, "Box of 100"),
        _f("Laser Toner Cartridge, Black High Yield", "M", 68.0),
        _f("Thermal Shipping Labels 4 x 6 in", "F", 12.0, "Roll of 250; Fanfold of 500"),
        _f("Ergonomic Mesh Office Chair", "S", 149.0, "Black; Gray"),
        _f("Folding Table 6 ft", "S", 64.0),
        _f("Office Desk 60 x 30 in, Laminate", "S", 189.0, "Walnut; Gray"),
        _f("Dry-Erase Markers, Chisel Tip", "M", 5.5, "Pack of 4"),
        _f("Steel Storage Cabinet 72 in", "S", 245.0),
        _f("Stackable Guest Chair", "S", 58.0, "Black; Blue"),
    ],
    "FSD": [
        _f("Bagasse Plate 9 in, Compostable", "F", 39.0, "Case of 500"),
        _f("Portion Cup 2 oz with Lid", "F", 31.0, "Case of 2500"),
        _f("Pizza Box 14 in, Kraft", "M", 27.0, "Bundle of 50"),
        _f("Sandwich Wedge Container, Clear", "M", 46.0, "Case of 500"),
        _f("Coffee Stirrer 7 in, Wood", "F", 11.0, "Case of 10000"),
        _f("Cup Carrier, 4-Cup Molded Fiber", "M", 34.0, "Case of 300"),
        _f("Take-Out Bag, Kraft 12 x 7 x 17 in", "F", 49.0, "Case of 300"),
        _f("Aluminum Foil Roll 18 in x 500 ft", "M", 37.0),
        _f("Deli Paper Sheets 12 x 12 in", "F", 28.0, "Case of 6000"),
        _f("Compostable Hot Cup", "F", 61.0, "12 oz (Case of 1000); 8 oz (Case of 1000); 16 oz (Case of 1000)"),
        _f("Hot Cup Lid, Sip-Through", "F", 34.0, "Case of 1000"),
        _f("Clear PET Cold Cup 16 oz", "F", 58.0, "Case of 1000"),
        _f("Paper Napkins, 1-Ply", "F", 27.0, "Case of 6000"),
        _f("Wrapped Cutlery Kit, Fork/Knife/Napkin", "M", 29.0, "Case of 250"),
        _f("Molded Fiber Clamshell 9 x 9 in", "M", 44.0, "Case of 200"),
        _f("Foodservice Film 18 in x 2000 ft", "M", 23.0),
        _f("Aluminum Foil Pan, Half-Size", "M", 21.0, "Case of 100"),
        _f("Deli Container 16 oz with Lid", "M", 33.0, "Case of 240"),
        _f("Paper Straws, Wrapped", "S", 38.0, "Case of 3200"),
        _f("Food Service Gloves, Poly", "F", 15.0, "Case of 1000"),
    ],
    "MHE": [
        _f("Pallet Rack Upright Frame 42 x 144 in", "M", 138.0),
        _f("Wire Deck for Pallet Rack 42 x 46 in", "M", 39.0),
        _f("Drum Dolly 55 gal, Steel", "S", 49.0),
        _f("Utility Cart, Plastic 2-Shelf", "S", 119.0),
        _f("Casters, Swivel 5 in Polyurethane", "M", 12.0, "Set of 4"),
        _f("Floor Marking Tape 3 in x 108 ft", "F", 31.0, "Yellow; Red/White"),
        _f("Bulk Container, Collapsible 48 x 40 in", "S", 310.0),
        _f("Manual Pallet Jack 5,500 lb, 27 x 48 in Forks", "S", 389.0),
        _f("Convertible Hand Truck 800 lb", "S", 129.0),
        _f("Platform Truck 24 x 48 in", "S", 199.0),
        _f("Wood Pallet 48 x 40 in, GMA", "F", 9.5),
        _f("Plastic Pallet 48 x 40 in, Rackable", "M", 68.0),
        _f("Boltless Steel Shelving 72 x 36 x 18 in, 5-Shelf", "S", 119.0),
        _f("Wire Shelving Unit 72 x 48 x 24 in", "S", 139.0),
        _f("Stacking Bin 11 x 5 in", "M", 21.0, "Pack of 12"),
        _f("Fiberglass Step Ladder, Type IA", "S", 89.0, "4 ft; 6 ft; 8 ft"),
        _f("Rolling Safety Ladder, 6-Step", "S", 420.0),
        _f("Aluminum Dock Plate 36 x 36 in", "S", 310.0),
        _f("Pallet Rack Beam 96 in", "M", 46.0),
    ],
}


@dataclass
class Item:
    """One product as the generators see it (before it becomes template/variant rows)."""

    prefix: str
    code: str
    name: str
    velocity: str
    cost: float
    uom: str
    po_uom: str
    lot: bool
    family: str
    vendors: list[int] = field(default_factory=list)  # indexes into catalog.VENDORS


HEROES: dict[str, str] = {
    "PPE": "Nitrile Exam Gloves, Powder-Free, Size M (Box of 100)",
    "MED": "Sterile Gauze Pads, 4 x 4 in (Pack of 100)",
    "CCP": "Influenza Vaccine, Quadrivalent, 10-Dose Vial",
    "JAN": "Trash Can Liners, 40-45 gal, 1.5 mil Black (Case of 100)",
    "PKG": "Corrugated Shipping Box, 12 x 12 x 12 in (Bundle of 25)",
    "FST": "Hex Cap Screw, Grade 5 Zinc, 1/2-13 x 2 in (Box of 50)",
    "ELE": "LED Tube T8 4 ft 18 W, 4000K (Case of 10)",
    "TOL": "Cordless Drill/Driver 20 V with 2 Batteries",
    "CHM": "Isopropyl Alcohol 99%, 1 gal",
    "OFF": "Copy Paper 8.5 x 11 in, 20 lb, 92 Bright, Case of 10 Reams",
    "FSD": "Compostable Hot Cup, 12 oz (Case of 1000)",
    "MHE": "Manual Pallet Jack 5,500 lb, 27 x 48 in Forks",
}

PACK = re.compile(r"\((Box|Pack) of (\d+)\)$")


def _names(fam: str, vel: str, variants: tuple[str, ...]) -> list[tuple[str, float]]:
    """Variant names with a price multiplier; fast movers sold by the box also come by the case of 10."""
    out: list[tuple[str, float]] = []
    for k, v in enumerate(variants or ("",)):
        name = f"{fam}, {v}" if v else fam
        mult = 1 + 0.18 * k
        out.append((name, mult))
        m = PACK.search(name)
        if vel == "F" and m:
            out.append((name[: m.start()] + f"(Case of 10 x {m.group(2)})", mult * 9.4))
    return out


def expand(prefix: str, base: int, hero: int) -> list[tuple[str, str, str, float, dict[str, str], str]]:
    """Families of one category -> (code, name, velocity, cost, opts, family); the hero item gets the named code."""
    out: list[tuple[str, str, str, float, dict[str, str], str]] = []
    number = base + 1
    for k, (fam, vel, cost, variants, opts) in enumerate(FAMILIES[prefix]):
        for name, mult in _names(fam, vel, variants):
            if name == HEROES[prefix]:
                code = hero
            else:
                if number == hero:
                    number += 1
                code, number = number, number + 1 + (k + len(name)) % 3
            out.append((f"{prefix}-{code}", name, vel, round(cost * mult, 2), opts, fam))
    return out
