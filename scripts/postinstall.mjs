console.log('postinstall placeholder')
