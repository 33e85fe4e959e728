"""A hard, synthetic stand-in for real citizens' messages in 7 classes (the 2020 泰迪杯 C scheme).

The real set cannot be shipped, and only its published sample's subjects could be read here (see
docs/nlp-evaluation.md), so this writes long, rambling, noisy messages in its scheme:
shared preambles and stories, sub-topics whose words overlap across classes (construction noise vs.
factory noise, medical insurance vs. hospitals, teachers' pay vs. unpaid wages, school canteens vs.
food shops — words that share characters across classes), one or two side remarks about another
class, subjects that mostly name the matter (some say nothing), character typos and 3% label noise. It is NOT real data: figures on it say how the
pipeline copes with length and noise, not what it scores on real messages.

    python bench/hard_messages.py OUT.csv [--n 3000] [--seed 1]
"""

from __future__ import annotations

import argparse
import csv
import random

PLACES = ["A市", "A1区", "A2区", "A3区", "A4县", "A5县", "A6区", "A7县"]
ESTATES = ["锦绣花园", "幸福家园", "阳光小区", "和谐雅苑", "东方名城", "金色港湾", "绿地新都", "书香苑", "红星村", "枫林湾"]
STREETS = ["人民路", "解放西路", "芙蓉中路", "韶山北路", "万家丽路", "劳动东路", "桐梓坡路", "车站北路"]
OPEN = ["尊敬的领导您好！", "您好，", "各位领导：", "市长您好，", "", "", "我想反映一个事情，", "领导好，我是一名普通市民，"]
INTRO = ["我是{place}{estate}的居民，", "本人家住{place}{street}附近，", "我们是{place}{estate}的业主，",
         "我在{place}工作生活十多年了，", "我家就在{street}和{street2}交叉口这边，", ""]
STORY = [
    "这个事情已经拖了大半年了，找了好多次都没有人管。", "之前也打过几次12345，每次都说会处理，结果到现在也没有下文。",
    "家里老人孩子都在，实在是没有办法了才来留言。", "我们去找过社区，社区说不归他们管，让我们找街道，街道又让我们找区里。",
    "大家都是老实本分的老百姓，希望政府能为我们做主。", "周边很多居民都有意见，大家在业主群里天天讨论这个事。",
    "去年也反映过一次，当时说今年解决，现在又没人提了。", "我们也理解政府工作忙，但是这个问题确实影响太大了。",
    "我每天早上七点出门，晚上十点才回来，没有时间一趟趟跑。", "昨天晚上又出现了这个情况，一直到凌晨两点。",
    "我有照片和视频作为证据，随时可以提供。", "希望这次不要再踢皮球了。",
]
CLOSE = ["恳请相关部门尽快核实处理！", "望领导重视，谢谢！", "希望能尽快给个答复。", "请相关部门给个说法。", "谢谢！", "",
         "麻烦尽快安排人来看一下。", "希望早日解决，还我们一个安宁的生活。"]

TOPICS: dict[str, list[tuple[list[str], list[str]]]] = {
    "城乡建设": [
        (["小区电梯", "楼道灯", "公厕", "路灯"], ["坏了半年没人修", "物业收了维修基金不办事", "晚上一片漆黑老人摔倒", "臭气熏天没人打扫"]),
        (["供水公司", "小区二次供水", "燃气管道改造", "供电所"], ["一个月停水停电七八次", "水压太低高层用不上水", "改造收费不合理", "施工后路面没有恢复"]),
        (["小区旁边的工地", "对面在建的楼盘", "地铁施工工地", "道路改造工程"], ["晚上十一点了还在施工，打桩的声音很大", "渣土车进进出出，路面全是泥", "没有办夜间施工许可证还在连夜浇筑混凝土", "围挡都倒了也没人管"]),
        (["小区的物业", "开发商", "物业公司", "业委会"], ["电梯经常坏，物业不修", "交房三年了房产证还办不下来", "公摊面积和合同不符", "私自占用公共绿地建停车位"]),
        (["老旧小区改造", "棚户区改造", "拆迁安置", "城中村改造"], ["拆迁补偿款迟迟不到位", "安置房一直没有开工", "改造工程质量太差，外墙刚刷就掉", "征收标准不公开不透明"]),
        (["小区下水道", "路边的排水管", "市政管网", "雨水井"], ["一下雨就堵，污水漫到路上", "井盖缺失好几天了很危险", "自来水管爆裂一直没人修", "路面塌陷出一个大坑"]),
        (["违章建筑", "楼顶加盖的房子", "一楼住户私搭乱建", "沿街门面"], ["私自扩建占用消防通道", "违建举报了多次城管都不来拆", "破坏房屋承重墙", "搭建的铁皮房存在安全隐患"]),
        (["公租房", "经济适用房", "人才公寓", "保障性住房"], ["申请了两年还在排队", "分配过程不公开", "房子漏水没人维修", "租金突然上涨"]),
    ],
    "环境保护": [
        (["工地夜间施工", "建筑工地", "渣土运输", "混凝土搅拌车"], ["噪音扰民，分贝超标，晚上根本睡不着", "扬尘污染严重，空气质量差", "环保部门测了噪音超标也不处罚", "粉尘飘进居民家里"]),
        (["医疗废物", "医院污水", "电镀厂", "印染厂"], ["随意倾倒污染环境", "未经处理直排河道", "偷排废水被拍到了", "危险废物露天堆放"]),
        (["附近的化工厂", "旁边的工厂", "搅拌站", "砖厂"], ["每天晚上偷偷排放废气，味道刺鼻", "机器噪音二十四小时不停", "粉尘很大，窗户都不敢开", "烟囱冒黑烟"]),
        (["河道", "小区旁边的水塘", "湖里", "村里的水渠"], ["被排放了大量污水，又黑又臭", "死鱼漂了一片", "有企业直接往河里倒废渣", "水面全是垃圾和油污"]),
        (["楼下的烧烤店", "餐馆", "夜宵摊", "饭店"], ["油烟直接排到居民楼里", "没有安装油烟净化器", "排风扇噪音很大，晚上睡不着", "油烟熏得墙都黑了"]),
        (["垃圾站", "垃圾中转站", "垃圾填埋场", "焚烧厂"], ["臭气熏天，夏天根本没法开窗", "渗滤液到处流", "选址离居民区太近", "蚊蝇滋生"]),
        (["养殖场", "养猪场", "屠宰场", "养鸡场"], ["粪便直接排到田里", "臭味飘到几公里外", "没有环评手续", "污染了地下水"]),
        (["KTV", "广场音响", "商铺的喇叭", "酒吧"], ["声音开得特别大，分贝严重超标", "噪音从傍晚持续到深夜", "低音炮震得窗户响", "环保部门测了也不处理"]),
    ],
    "交通运输": [
        (["公交站台", "公交专用道", "地铁站", "长途客运站"], ["站台被拆了等车只能站在马路上", "被社会车辆占用", "出口设置不合理绕很远", "班车取消了出行困难"]),
        (["道路限行", "电子眼", "交通标线", "停车收费"], ["罚款不合理", "标线模糊导致违章", "收费标准不公开", "限行规定不清楚"]),
        (["公交车", "某路公交", "公交公司", "城乡公交"], ["班次太少，等了四十分钟都不来", "司机开车太猛，老人差点摔倒", "站点撤销了很不方便", "到点不发车，拒载老年卡"]),
        (["出租车", "网约车", "的士", "黑车"], ["拒载、绕路、不打表", "在火车站乱要价", "司机态度恶劣", "私家车非法营运"]),
        (["路口的红绿灯", "交通信号灯", "斑马线", "人行天桥"], ["时间设置不合理，经常堵车", "坏了好几天了", "没有设置行人过街的信号", "学校门口没有减速带"]),
        (["驾校", "驾照考试", "车管所", "年检站"], ["收费不透明，乱收费", "考试预约不上", "办事排队要等一整天", "科目二考场设备老化"]),
        (["高速收费站", "国道", "乡村公路", "客运站"], ["路面坑洼不平，大货车超载严重", "收费不合理", "客车超员", "长途车票价上涨"]),
        (["共享单车", "电动车", "停车场", "占道停车"], ["乱停乱放堵住了人行道", "停车收费太贵", "小区门口被僵尸车占满", "电动车违规载人"]),
    ],
    "教育文体": [
        (["学校食堂", "学生营养餐", "校车", "学校宿舍"], ["饭菜分量少价格高", "食品卫生差学生吃坏肚子", "超载接送学生不安全", "条件差没有热水"]),
        (["教师工资", "教师绩效", "乡村教师补贴", "班主任津贴"], ["被学校克扣", "和公务员差距太大", "几个学期都没有发", "标准多年没调整"]),
        (["孩子所在的小学", "学校", "幼儿园", "初中"], ["强制要求购买教辅资料", "变相补课，周末也上课", "学位紧张，孩子上不了对口学校", "食堂饭菜质量差"]),
        (["培训机构", "校外辅导班", "托管中心", "艺术培训班"], ["收了学费就跑路了", "无证办学", "退费困难", "虚假宣传保过"]),
        (["老师", "班主任", "学校领导", "教育局"], ["体罚学生", "向家长索要红包礼品", "给学生排名公开成绩", "作业量太大孩子每天写到十二点"]),
        (["民办教师", "乡村教师", "代课老师", "幼儿园老师"], ["工资待遇太低，职称评定不公平", "绩效工资迟迟不发", "编制问题一直解决不了", "教龄津贴没有落实"]),
        (["体育馆", "图书馆", "文化广场", "社区活动中心"], ["长期关闭不对外开放", "健身器材都坏了", "收费不合理", "开放时间太短"]),
        (["中考招生政策", "高考加分", "学区划分", "入学报名"], ["政策不透明", "户籍不在本地孩子不能报名", "积分入学标准不合理", "划片范围年年变"]),
    ],
    "劳动和社会保障": [
        (["医保卡", "医疗保险报销", "城乡居民医保缴费", "医保个人账户"], ["异地就医结算不了", "报销比例被下调", "缴费标准年年上涨", "余额被莫名扣除"]),
        (["工伤认定", "工地务工人员", "建筑工人工资", "农民工工资保证金"], ["工地老板跑路工资没人管", "工伤认定拖了一年", "包工头卷款跑了", "保证金制度没有落实"]),
        (["公司", "老板", "包工头", "工厂"], ["拖欠我们农民工工资半年多了", "不签劳动合同", "不给员工买社保", "无故辞退员工不给补偿"]),
        (["社保", "养老保险", "失业保险", "工伤保险"], ["补缴政策不清楚", "转移接续办不了", "退休金计算有误", "工伤认定一直拖着不办"]),
        (["人社局", "劳动仲裁", "劳动监察大队", "就业服务中心"], ["投诉了三个月还没有结果", "仲裁裁决了公司也不执行", "就业补贴申请不下来", "人才引进补贴迟迟不发放"]),
        (["退休人员", "失业人员", "下岗职工", "灵活就业人员"], ["养老金调整没有落实", "失业金领取条件太苛刻", "缴费基数太高负担重", "档案丢失影响退休"]),
        (["医疗保险", "城乡居民医保", "生育保险", "异地就医"], ["缴费年限认定有问题", "转移手续太麻烦", "生育津贴一直没有到账", "断缴后不能补缴"]),
        (["企业", "单位", "外包公司", "劳务派遣公司"], ["强制加班不给加班费", "试用期不发工资", "克扣工资押金不退", "高温补贴没有发放"]),
    ],
    "商贸旅游": [
        (["食品安全", "餐厅后厨", "外卖商家", "食品店"], ["卖的食品没有生产日期", "后厨卫生脏乱差", "吃了拉肚子商家不认账", "无证经营"]),
        (["电商平台", "直播带货", "电信运营商", "燃气公司营业厅"], ["虚假宣传以次充好", "乱扣费不退款", "售后电话打不通", "捆绑销售"]),
        (["超市", "商场", "菜市场", "网店"], ["卖过期食品", "缺斤少两", "价格标签和结账价格不一样", "售后服务推诿不退货"]),
        (["景区", "旅行社", "导游", "农家乐"], ["强制购物", "门票涨价不合理", "虚假宣传，实际和广告差别很大", "景区内乱收费"]),
        (["酒店", "宾馆", "民宿", "餐厅"], ["卫生条件很差", "预订后无故取消", "乱收服务费", "押金一直不退"]),
        (["健身房", "美容院", "理发店", "预付卡商家"], ["办了卡之后店铺关门了", "老板跑路了卡里的钱退不了", "强制推销", "合同霸王条款"]),
        (["加油站", "燃气公司", "物流快递", "电商平台"], ["加油数量不足", "快递丢件不赔偿", "商家刷单欺诈", "价格欺诈"]),
        (["夜市", "商业街", "步行街", "小商品市场"], ["占道经营", "假冒伪劣商品多", "商户之间恶性竞争", "市场管理方乱收管理费"]),
    ],
    "卫生计生": [
        (["医院食堂", "医院停车场", "医院护工", "医院收费处"], ["收费高服务差", "乱收停车费", "护工费用不透明", "多收检查费"]),
        (["生育服务证", "计划生育特别扶助", "失独家庭", "独生子女父母奖励"], ["办了半年还没下来", "扶助金标准太低", "奖励政策没有落实", "补贴一直没有发放"]),
        (["医院", "县人民医院", "社区卫生服务中心", "乡镇卫生院"], ["乱收费，检查项目重复", "医生态度冷漠", "误诊导致病情加重", "挂号排队太久"]),
        (["医保报销", "新农合", "大病救助", "门诊慢性病"], ["报销比例太低", "报销手续太繁琐", "定点医院不能刷卡", "药品不在报销目录"]),
        (["二孩政策", "生育登记", "独生子女证", "计划生育奖励"], ["办理手续太复杂", "奖励扶助金没有发放", "社会抚养费征收不合理", "准生证开不了"]),
        (["疫苗接种", "预防接种门诊", "防疫站", "体检中心"], ["疫苗断货好久", "接种预约不上", "体检报告出错", "收费标准不明"]),
        (["药店", "诊所", "黑诊所", "私人门诊"], ["无证行医", "卖假药", "药价比医院贵很多", "使用过期药品"]),
        (["医护人员", "护士", "乡村医生", "医院临聘人员"], ["待遇太低流失严重", "乡村医生补助不到位", "编制外人员同工不同酬", "值班没有补贴"]),
    ],
}
SIDE = ["另外顺便说一下，{thing}也{problem}。", "还有就是{thing}{problem}，这个也请一并处理。",
        "我朋友说{thing}{problem}，不知道是不是真的。", "之前反映过{thing}{problem}的事，到现在也没解决。"]
SUBJECT = ["{place}{matter}", "关于{place}{matter}的问题", "投诉{place}{matter}", "{matter}，请求解决",
           "{place}{matter}怎么办？", "强烈要求处理{matter}"]
DEMAND = ["希望有关部门尽快调查处理", "请求依法查处", "希望能出台相关政策", "请给我们一个合理的解释",
          "希望能督促整改", "请尽快落实"]


def _side_remark(rng: random.Random, label: str) -> str:
    other = rng.choice([c for c in TOPICS if c != label])
    objects, problems = rng.choice(TOPICS[other])
    return rng.choice(SIDE).format(thing=rng.choice(objects), problem=rng.choice(problems))


def message(rng: random.Random, label: str) -> str:
    """One long, rambling message whose main topic belongs to `label`."""
    fill = dict(place=rng.choice(PLACES), estate=rng.choice(ESTATES), street=rng.choice(STREETS),
                street2=rng.choice(STREETS))
    parts = [rng.choice(OPEN), rng.choice(INTRO).format(**fill)]
    parts += rng.sample(STORY, rng.randint(1, 4))
    objects, problems = rng.choice(TOPICS[label])
    for _ in range(rng.randint(1, 2)):
        parts.append(f"{rng.choice(objects)}{rng.choice(problems)}。")
    # Side remarks about another class's matter, as citizens make them: often one, sometimes two.
    for _ in range(int(rng.random() < 0.6) + int(rng.random() < 0.25)):
        parts.insert(rng.randint(2, len(parts)), _side_remark(rng, label))
    parts += rng.sample(STORY, rng.randint(0, 3))
    parts.append(rng.choice(DEMAND) + "，" + rng.choice(CLOSE))
    text = "".join(parts)
    chars = list(text)
    for i in range(len(chars)):  # typing slips: a character replaced by a neighbour from the text
        if rng.random() < 0.02:
            chars[i] = chars[rng.randrange(len(chars))]
    return "".join(chars)


def _subject(rng: random.Random, label: str) -> str:
    # Real subjects mostly name a place and the matter in a dozen characters; some say nothing.
    if rng.random() < 0.15:
        return rng.choice(["反映问题", "请求帮助", "投诉", "关于我们小区的问题", "希望领导关注", "咨询", "建议"])
    objects, problems = rng.choice(TOPICS[label])
    matter = f"{rng.choice(objects)}{rng.choice(problems)[:rng.randint(3, 8)]}"
    return rng.choice(SUBJECT).format(place=rng.choice(PLACES), matter=matter)


def generate(n: int, seed: int, noise: float = 0.03) -> list[tuple[str, str, str]]:
    """n rows of (subject, detail, label); `noise` of the labels are swapped at random."""
    rng = random.Random(seed)
    labels = list(TOPICS)
    weights = [0.28, 0.14, 0.09, 0.15, 0.14, 0.10, 0.10]  # skewed like the real set
    rows = []
    for _ in range(n):
        label = rng.choices(labels, weights)[0]
        detail = message(rng, label)
        subject = _subject(rng, label)
        shown = rng.choice(labels) if rng.random() < noise else label
        rows.append((subject, detail, shown))
    return rows


def main() -> None:
    """Write the CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["留言主题", "留言详情", "一级标签"])
        writer.writerows(generate(args.n, args.seed))


if __name__ == "__main__":
    main()
