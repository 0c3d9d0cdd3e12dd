/// The SMS price table, exactly as published in `sms-prices.csv`: the one
/// source of SMS rates. Parsed once into ``Catalog/smsRates``.
enum SMSRateTable {
    static let csv = """
        country,iso,calling_code,credits_per_segment
        France,FR,33,0.450
        Belgium,BE,32,0.620
        Switzerland,CH,41,0.330
        Réunion,RE,262,1.120
        United Arab Emirates,AE,971,0.700
        Guadeloupe,GP,590,1.060
        Martinique,MQ,596,0.750
        French Polynesia,PF,689,0.840
        French Guiana,GF,594,1.120
        United States,US,1,0.050
        New Caledonia,NC,687,0.990
        Côte D'Ivoire,CI,225,1.120
        Cameroon,CM,237,0.800
        Germany,DE,49,0.580
        Tunisia,TN,216,1.670
        Pakistan,PK,92,1.680
        Spain,ES,34,0.400
        Haiti,HT,509,1.060
        Algeria,DZ,213,1.640
        Senegal,SN,221,1.220
        Israel,IL,972,1.110
        Luxembourg,LU,352,0.550
        Sweden,SE,46,0.470
        Italy,IT,39,0.490
        Benin,BJ,229,0.800
        Turkey,TR,90,0.020
        Netherlands,NL,31,0.770
        Poland,PL,48,0.210
        United Kingdom,GB,44,0.250
        Indonesia,ID,62,2.360
        Japan,JP,81,0.480
        Thailand,TH,66,0.080
        South Korea,KR,82,0.160
        Ireland,IE,353,0.620
        Mexico,MX,52,0.390
        Russia,RU,7,2.610
        China,CN,86,0.260
        Portugal,PT,351,0.200
        Denmark,DK,45,0.400
        Finland,FI,358,0.650
        Saudi Arabia,SA,966,0.660
        India,IN,91,0.030
        Australia,AU,61,0.220
        Sri Lanka,LK,94,1.860
        New Zealand,NZ,64,0.610
        Brazil,BR,55,0.150
        Greece,GR,30,0.560
        """
}
