-- MySQL dump 10.13  Distrib 5.7.44, for Linux (x86_64)
--
-- Host: localhost    Database: bookwarrior
-- ------------------------------------------------------
-- Server version	5.7.44-log

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;

--
-- Table structure for table `updated`
--

DROP TABLE IF EXISTS `updated`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8 */;
CREATE TABLE `updated` (
  `ID` int(15) unsigned NOT NULL AUTO_INCREMENT,
  `Title` varchar(2000) DEFAULT '',
  `VolumeInfo` varchar(100) DEFAULT '',
  `Series` varchar(300) DEFAULT '',
  `Periodical` varchar(200) DEFAULT '',
  `Author` varchar(1000) DEFAULT '',
  `Year` varchar(14) DEFAULT '',
  `Edition` varchar(60) DEFAULT '',
  `Publisher` varchar(400) DEFAULT '',
  `City` varchar(100) DEFAULT '',
  `Pages` varchar(100) DEFAULT '',
  `PagesInFile` int(10) unsigned NOT NULL DEFAULT '0',
  `Language` varchar(150) DEFAULT '',
  `Topic` varchar(500) DEFAULT '',
  `Library` varchar(50) DEFAULT '',
  `Issue` varchar(100) DEFAULT '',
  `Identifier` varchar(300) DEFAULT '',
  `ISSN` varchar(9) DEFAULT '',
  `ASIN` varchar(200) DEFAULT '',
  `UDC` varchar(200) DEFAULT '',
  `LBC` varchar(200) DEFAULT '',
  `DDC` varchar(45) DEFAULT '',
  `LCC` varchar(45) DEFAULT '',
  `Doi` varchar(45) DEFAULT '',
  `Googlebookid` varchar(45) DEFAULT '',
  `OpenLibraryID` varchar(200) DEFAULT '',
  `Commentary` varchar(10000) DEFAULT '',
  `DPI` int(6) unsigned DEFAULT '0',
  `Color` varchar(1) DEFAULT '',
  `Cleaned` varchar(1) DEFAULT '',
  `Orientation` varchar(1) DEFAULT '',
  `Paginated` varchar(1) DEFAULT '',
  `Scanned` varchar(1) DEFAULT '',
  `Bookmarked` varchar(1) DEFAULT '',
  `Searchable` varchar(1) DEFAULT '',
  `Filesize` bigint(20) unsigned NOT NULL DEFAULT '0',
  `Extension` varchar(50) DEFAULT '',
  `MD5` char(32) DEFAULT '',
  `Generic` char(32) DEFAULT '',
  `Visible` char(3) DEFAULT '',
  `Locator` varchar(733) DEFAULT '',
  `Local` int(10) unsigned DEFAULT '0',
  `TimeAdded` timestamp NOT NULL DEFAULT '2000-01-01 05:00:00',
  `TimeLastModified` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  `Coverurl` varchar(200) DEFAULT '',
  `Tags` varchar(500) DEFAULT '',
  `IdentifierWODash` varchar(300) DEFAULT '',
  PRIMARY KEY (`ID`),
  UNIQUE KEY `MD5` (`MD5`),
  KEY `Title` (`Title`(333)),
  KEY `Author` (`Author`(333)),
  KEY `Identifier` (`Identifier`(250))
) ENGINE=MyISAM AUTO_INCREMENT=1050000 DEFAULT CHARSET=utf8;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `updated`
--

LOCK TABLES `updated` WRITE;
/*!40000 ALTER TABLE `updated` DISABLE KEYS */;
INSERT INTO `updated` VALUES (1040000,'Handbook of Velvet Kingdom Studies','','','','Noah Castellanos','2009','','Northwind Books','','453',0,'English','Technology','','','','','','','','','','','','','',0,'','','','','','','',8460253,'pdf','41620E1A4008D33C009089EA3B699588','','','Noah Castellanos - The Velvet Kingdom.pdf',0,'2012-05-06 07:08:09','2015-03-04 10:11:12','','',''),(1040977,'Handbook of Velvet Empire Studies','','','','Nadia Thornton','2005','','Ironwood Media','','220',0,'French','Science\\Physics','','','9786399487448,6399487447','','','','','','','','','','',0,'','','','','','','',4339873,'pdf','C212B52A9CFA21BBF72A4AC5E0AFE4ED','','','Nadia Thornton - The Velvet Empire.pdf',0,'2012-05-06 07:08:09','2015-03-04 10:11:12','','','9786399487448,6399487447'),(1041954,'Handbook of Drowned Daughter Studies','','','','Lena Moreau','2008','','Ironwood Media','','327',0,'German','Technology','','','9789931610298,9931610298','','','','','','','','','','',0,'','','','','','','',1484237,'pdf','EC900BCA79620BDB53CA544AB56DCF01','','','Lena Moreau - The Drowned Daughter.pdf',0,'2012-05-06 07:08:09','2015-03-04 10:11:12','','','9789931610298,9931610298'),(1042931,'Handbook of Last Crown Studies','','','','Ruth Kowalski','2004','','Copperleaf','','773',0,'Russian','Science\\Physics','','','','','','','','','','','','','',0,'','','','','','','',7993978,'pdf','5C2BD049F1E48D56A33962ECA330A4AB','','','Ruth Kowalski - The Last Crown.pdf',0,'2012-05-06 07:08:09','2015-03-04 10:11:12','','',''),(1043908,'Handbook of Silent Detective Studies','','','','Ivy Holloway','2003','','Tidewater, Lowe and Company','','449',0,'German','Technology','','','9789179506773,9179506771','','','','','','','','','','',0,'','','','','','','',8794033,'pdf','520ED49388FBFBFFBDAC5C23B11E766A','','del','Ivy Holloway - The Silent Detective.pdf',0,'2012-05-06 07:08:09','2015-03-04 10:11:12','','','9789179506773,9179506771'),(1044885,'Handbook of Velvet Queen Studies','','','','Felix O\'Connell','2016','','Quill & Lantern','','884',0,'Spanish','Science\\Physics','','','9786022720492,6022720494','','','','','','','','','','',0,'','','','','','','',3945933,'pdf','44073E0398A1179CEE326D096AAA854D','','','Felix O\'Connell - The Velvet Queen.pdf',0,'2012-05-06 07:08:09','2015-03-04 10:11:12','','','9786022720492,6022720494'),(1045123,'Songs of Innocence and of Experience, and The Book of Thel','','','','William Blake','1992','','Meadowlark Editions','Portsmouth','64',0,'English','Literature\\Poetry','','','1258790645,9781258790646','','','','','','','','','','',0,'','','','','','','',17124,'epub','7B081DFEDFF98F3E8B548DF855672CF5','','','lib/Blake W./Songs of Innocence and of Experience.epub',0,'2012-05-06 07:08:09','2015-03-04 10:11:12','','','1258790645,9781258790646'),(1045862,'Handbook of Eternal Harbor Studies','','','','Mark Castellanos','2015','','Northwind Books','','353',0,'German','Technology','','','','','','','','','','','','',NULL,0,'','','','','','','',8040608,'pdf','FFBCAB799995DA3041E8D859A9B01694','','','Mark Castellanos - The Eternal Harbor.pdf',0,'2012-05-06 07:08:09','2015-03-04 10:11:12','','',''),(1046839,'Handbook of Broken Signal Studies','','','','Amara Okafor','2020','','Stonebridge','','213',0,'French','Science\\Physics','','','9785692788108,5692788101','','','','','','','','','','',0,'','','','','','','',224226,'pdf','A7EA98E8DF1C88AB5F64199D73E0DE23','','','Amara Okafor - The Broken Signal.pdf',0,'2012-05-06 07:08:09','2015-03-04 10:11:12','','','9785692788108,5692788101');
/*!40000 ALTER TABLE `updated` ENABLE KEYS */;
UNLOCK TABLES;

--
-- Table structure for table `hashes`
--

DROP TABLE IF EXISTS `hashes`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8 */;
CREATE TABLE `hashes` (
  `md5` char(32) CHARACTER SET ascii NOT NULL,
  `crc32` char(8) CHARACTER SET ascii NOT NULL DEFAULT '',
  `edonkey` char(32) CHARACTER SET ascii NOT NULL DEFAULT '',
  `aich` char(32) CHARACTER SET ascii NOT NULL DEFAULT '',
  `sha1` char(40) CHARACTER SET ascii NOT NULL DEFAULT '',
  `tth` char(39) CHARACTER SET ascii NOT NULL DEFAULT '',
  `torrent` mediumtext,
  `btih` char(40) CHARACTER SET ascii NOT NULL DEFAULT '',
  `sha256` char(64) CHARACTER SET ascii NOT NULL DEFAULT '',
  `ipfs_cid` char(62) CHARACTER SET ascii NOT NULL DEFAULT '',
  PRIMARY KEY (`md5`)
) ENGINE=MyISAM DEFAULT CHARSET=utf8;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `hashes`
--

LOCK TABLES `hashes` WRITE;
/*!40000 ALTER TABLE `hashes` DISABLE KEYS */;
INSERT INTO `hashes` (`md5`, `crc32`, `edonkey`, `aich`, `sha1`, `tth`, `torrent`, `btih`, `sha256`, `ipfs_cid`) VALUES ('41620e1a4008d33c009089ea3b699588','c744335e','06960db9cead4b89f762ef5fbbc752d3','BEB76SJAG4AZBK77ZD4C36GCZVGXLWWT','14c9cc4688407145cf453f7ee16f88852b630f7a','FHMKO3FKKN27RKOPWHHHAQRQ5YHTHZALTNRPR6C','','c888eb32a3cb184c89c73d7d45e5647bad61e228','020186e07fa4a4c4d8e3996ecb2e9fae456a3b6ee443ecc653aebab430a7c0a3','bafk4pqy74zsv7fpi7ybrvqsihspxsds4sc4vvng4k42v6ibgcyb7wae4tc'),('44073e0398a1179cee326d096aaa854d','70b9ef8e','51d45f6cb0e8ce4c3701e1c119b80465','MQQGE5PK6CFDLMYI32MSGHVH3NNIIPUQ','db6ef576b266db9e04de2e5497bd2a6327546b0c','JHRQFCHVMI6XZAAJHATJGIW3XXCVQU3PBULO2GG','','049f6c5af9835c6361d0faac3613761c7248688c','025373bb115c700ebc219d86f210998e902284fac252d887b48a5c36347a7aea','bafkdrobizbijdd5cavm25e2e26p4dqw5s5yhl3vlkkjiuwcng5ahnyqmzj'),('520ed49388fbfbffbdac5c23b11e766a','1d362221','299ea8614191cb0290b71b7cc0e0c1bc','U4XBCUE6O2EQKXIAP7WM7XENW5I3HGIB','c0b0f94d5f3ec3be010af5ee2716099400bda106','UPJ3LX632JFLD73XWW45PNYTMJSZ7QZ4HISNAHZ','','f94c35e2b1fb85264c94fbb4113b2ec7fd3c17e1','da3c77f4039b7397a681a13a90c21ed647c170be4cd3b3bb9950dfc5481d1da0','bafkz7uczsxqdbk6bko46gzapfweclvqszwavqzhs4f6xtiweimz7ynnczz'),('5c2bd049f1e48d56a33962eca330a4ab','d3bf812a','3d0c39d65af40e4f580f223bc34d29ad','BPMDXR6TNKB4SKRACBQ24QBPGSO3IQVX','557fb798bcd039c9e3272b90e3fd5ffb4a39cb97','62O2J7VWXEYJK7LHGR2GBJRDEJFD37ITTVMMXHS','','c4614ae3d8c83673f91725439ff822ab8069fb10','16973c0036a76f259e72421f69846b7bba5c558c8e9a0e38befb83ffbde5e5cd','bafkm7yovih2h7ny7rlpz6flwk5tvdtyijc7fcvr4sktefcxezvh4daeacy'),('7b081dfedff98f3e8b548df855672cf5','19e1e6aa','','','b8503e25322ee20cc1ee6752cc682db5126b5c78','','','','5335032a2996475217d4b974b54b3575eaead4f3f810f3b590cebd2363cb9494',''),('a7ea98e8df1c88ab5f64199d73e0de23','7594e9c9','cb3330b2c8c5033f09c325d6c8aa1984','G7KMBIQXPOXZK5CHLRA4ZREGBMCD3RGW','fdeb7acdce92e0d5640b33d9dc3f1b1fcf1aa87a','WKZRAPVT5CZYCZWL5VU46ZGHLWUIY7OP4KBKJ7R','','60b52078ab57536f7b2f3f20477f4623f4312f30','f643e9d238c10058816ec5b1baddb70443e2a1308b4e056f060ef5fafb8d5e58','bafk6ibm2sce62gnynzy6zfo5ik3z6y435ws6wz2ry22klp4fgnhqdprqgq'),('c212b52a9cfa21bbf72a4ac5e0afe4ed','15f9cef4','c0536667cbd5db7e457467ee16946896','IIELNC5ZU3PXJDFFBEBKOUO75DSUHGTS','456555b357c993d0d2536332f3e9ff41d0b81e42','I246KFHUNSVA722XVAN7JMSKUZT6OJ2J57C4SDM','','8c40f6aecc8cfe76416577f0df2ae12313a1cb88','635744aa61c131e4dd1c35ab155f5cca4e2feb72ed58a2ee7215602266bc3b62','bafkgfxcgsobikezqd22p7zbyopp5trufasnsgluij37zxkn3spsyhtmi6w'),('ec900bca79620bdb53ca544ab56dcf01','5baf8207','dd1441f5784bfbf51bcf41adcbe13112','INTZSRDRTJBMOO5OMTEIBCKJBPP62KG7','00eed15508eb3e46573c5338d5cff9844ed4dd4c','P3BEUCDGANRSBDDZJCIXQEMAX2BEEJ2MGIHZ7YL','','f6e79042619144c65ea8f0697ff109363e864eee','51e6bec2537e00c8611585279ed8b8bec547d9f608f008c494b6f72ab9c412ce','bafkgicbhwutlg3afhczskqkziobinwoe6xidvutt4e5lbhplbq6tnuqngu'),('ffbcab799995da3041e8d859a9b01694','928414c3','ac254b2744df00ba50ebe0f12a63e55e','ALH63UJ6XRLAPKWIX42GLNOEV4AAM6UD','18200733542f8c8872c378d68834910bf841addd','LVNGYM6GM7YSUA6DE4ANV2MU3ORI3XHK5ZAH4JW','','14c7d8b32f78ac890ce418c71609754d6c8066c5','866d469fa070aecc0aff05efb58f54ee20e147204f4c644a92605b38392ebc81','bafkksxddkt3e6egplivnsz7gxfzihtmffuupie3acy2xjy7vcqzu7ykptf');
/*!40000 ALTER TABLE `hashes` ENABLE KEYS */;
UNLOCK TABLES;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2024-01-01  0:00:00
